// One WebSocket to /api/ws for all run events. It reconnects with backoff and, on reconnect,
// re-subscribes every run with `since` = the last seq seen, so no event is missed.
import { webSocketUrl } from './client';
import type { RunEvent } from './types';

type Listener = (event: RunEvent) => void;
export type SocketState = 'connecting' | 'open' | 'closed';

export class RunSocket {
  private ws: WebSocket | null = null;
  private lastSeq = new Map<string, number>();
  private wantRuns = false;
  private retryMs = 250;
  private closedByUs = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly onEvent: Listener,
    private readonly onState: (state: SocketState) => void = () => {},
  ) {}

  connect(): void {
    this.closedByUs = false;
    this.onState('connecting');
    const ws = new WebSocket(webSocketUrl());
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 250;
      this.onState('open');
      if (this.wantRuns) this.send({ type: 'subscribe-runs' });
      for (const [runId, since] of this.lastSeq) this.send({ type: 'subscribe', runId, since });
    };
    ws.onmessage = (message) => {
      let event: RunEvent;
      try {
        event = JSON.parse(String(message.data));
      } catch {
        console.warn('[atelier] ignored a WebSocket message that is not JSON');
        return;
      }
      if (!event || typeof event.runId !== 'string' || typeof event.type !== 'string') return;
      const seen = this.lastSeq.get(event.runId);
      if (seen !== undefined && typeof event.seq === 'number') {
        if (event.seq <= seen) return;
        this.lastSeq.set(event.runId, event.seq);
      }
      this.onEvent(event);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onState('closed');
      if (this.closedByUs) return;
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  close(): void {
    this.closedByUs = true;
    clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
  }

  /** Streams a run's events with seq > since (stored ones are replayed first). */
  subscribe(runId: string, since = 0): void {
    const known = this.lastSeq.get(runId);
    if (known !== undefined && known >= since) return;
    this.lastSeq.set(runId, since);
    this.send({ type: 'subscribe', runId, since });
  }

  unsubscribe(runId: string): void {
    if (!this.lastSeq.delete(runId)) return;
    this.send({ type: 'unsubscribe', runId });
  }

  /** Receives the run.queued event of every new run (to join runs started elsewhere). */
  subscribeRuns(): void {
    this.wantRuns = true;
    this.send({ type: 'subscribe-runs' });
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }
}
