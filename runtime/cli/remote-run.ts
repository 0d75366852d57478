// `atelier run` on a data dir held by a live server: the run goes to that server over HTTP (its
// events streamed over SSE and printed as a local run prints them) instead of opening the database.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { MAX_FLOW_JSON_BYTES, type Flow } from '../../model/flow';
import type { RunEvent, RunRecord } from '../../model/events';
import type { RunTarget } from '../engine/plan';
import type { LockInfo } from '../store/lock';
import { sniffMediaType } from '../store/sniff';
import type { Artifact } from '../../model/artifact';
import { SilenceWatch } from './silence-watch';
import type { GcPassReport } from '../gc-pass';

export interface RemoteRunRequest {
  flow: Flow;
  flowId?: string;
  inputs: Record<string, unknown>;
  target?: RunTarget;
}

export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From a Retry-After header in seconds (a 429 says when to try again). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * An event larger than this ends the stream. A run.finished event carries every flow output: a flow at
 * the node limit whose nodes are all outputs makes one of ~20 MiB, so the bound is the flow's own.
 */
export const MAX_EVENT_BYTES = MAX_FLOW_JSON_BYTES;
/** Waits before each attempt to resume a broken event stream. */
const RESUME_DELAYS_MS = [250, 1000, 2000];
/** Four of the server's 15 s keep-alives missed: the server hangs. Also the longest wait for any answer's headers. */
export const SERVER_SILENCE_MS = 60_000;
/** How long `start` keeps trying a server that answers 429 too_many_runs (it is busy with other runs). */
export const BUSY_WAIT_MS = 10 * 60_000;

/**
 * Where the server holding the data dir listens. Only ever this machine: the address comes from a file
 * in the data dir (./data by default, so possibly from a cloned folder), and a lock written to name
 * another host would have the run, its input files and ATELIER_TOKEN sent there.
 */
export function serverUrl(holder: LockInfo): string {
  const host = !holder.host || holder.host === '0.0.0.0' || holder.host === '::' ? '127.0.0.1' : holder.host;
  if (!isThisMachine(host)) {
    throw new Error(`the data dir's atelier.lock says its server (pid ${holder.pid}) listens at ${JSON.stringify(host.slice(0, 200))}, which is no address of this machine; nothing was sent there. If no Atelier server runs here, remove atelier.lock from the data dir`);
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${holder.port}`;
}

/** A loopback address, or one of this machine's interfaces (a server started with ATELIER_HOST set to it). */
function isThisMachine(host: string): boolean {
  if (host === 'localhost') return true;
  const version = isIP(host);
  if (version === 4 && host.startsWith('127.')) return true;
  if (version === 6 && (host === '::1' || /^::ffff:127\./i.test(host))) return true;
  if (version === 0) return false; // a name may resolve anywhere
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === host));
}

export class RemoteRuns {
  private readonly headers: Record<string, string>;

  constructor(
    readonly base: string,
    token: string | undefined,
    private readonly silenceMs = SERVER_SILENCE_MS,
    private readonly busyWaitMs = BUSY_WAIT_MS,
  ) {
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
  }

  /**
   * Starts the run. A server busy with other runs (429) is asked again when it says, for up to
   * busyWaitMs; `onBusy` hears each wait. Then, or on any other refusal, it rejects with RemoteError.
   */
  async start(request: RemoteRunRequest, onBusy?: (message: string, waitMs: number) => void): Promise<string> {
    const body = JSON.stringify({ flow: request.flow, ...(request.flowId ? { flowId: request.flowId } : {}), inputs: request.inputs, ...(request.target ? { target: request.target } : {}) });
    const deadline = Date.now() + this.busyWaitMs;
    for (;;) {
      try {
        const answer = await this.call('/api/runs', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        return ((await answer.json()) as { runId: string }).runId;
      } catch (error) {
        const left = deadline - Date.now();
        if (!(error instanceof RemoteError) || error.status !== 429 || left <= 0) throw error;
        const waitMs = Math.min(error.retryAfterMs ?? 1000, left);
        onBusy?.(error.message, waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /**
   * Streams the run's events from seq 1 to run.finished. A stream that breaks off (the connection
   * dropped, the server restarted) is resumed after the last seq seen; when the server stays
   * unreachable it rejects saying so.
   */
  async follow(runId: string, onEvent: (event: RunEvent) => void): Promise<void> {
    let since = 0;
    let lost: unknown;
    for (let attempt = 0; attempt <= RESUME_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RESUME_DELAYS_MS[attempt - 1]));
      try {
        const finished = await this.followFrom(runId, since, (event) => {
          since = event.seq;
          onEvent(event);
        });
        if (finished) return;
        lost = new Error('the event stream ended before run.finished');
      } catch (error) {
        if (error instanceof RemoteError) throw error; // the server answered (e.g. 404): resuming cannot help
        lost = error;
      }
    }
    throw new Error(`lost the server at ${this.base} during run ${runId} after event ${since} (${rootCause(lost)}). A server started again on this data dir marks the run interrupted`);
  }

  /** One event stream after `since`: true once run.finished came, false when the stream ended first. */
  private async followFrom(runId: string, since: number, onEvent: (event: RunEvent) => void): Promise<boolean> {
    const silence = new SilenceWatch(this.silenceMs);
    try {
      return await this.readEvents(runId, since, silence, onEvent);
    } finally {
      silence.stop();
    }
  }

  private async readEvents(runId: string, since: number, silence: SilenceWatch, onEvent: (event: RunEvent) => void): Promise<boolean> {
    const answer = await this.call(`/api/runs/${encodeURIComponent(runId)}/events?since=${since}`, { headers: { accept: 'text/event-stream' }, signal: silence.signal });
    if (!answer.body) throw new Error(`${this.base} sent no event stream`);
    const decoder = new TextDecoder();
    // The text since the last event's end, as the chunks it came in: joined once a blank line ends an
    // event. A large event comes in many chunks, and searching a growing string on each one cost time
    // quadratic in its size (seconds for the ~20 MiB run.finished of a 100,000-output flow).
    let pieces: string[] = [];
    let size = 0;
    let lastChar = '';
    for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
      silence.heard();
      const text = decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      if (text === '') continue;
      pieces.push(text);
      size += text.length;
      if (size > MAX_EVENT_BYTES) throw new RemoteError(0, 'event_too_large', `an event from ${this.base} exceeds ${MAX_EVENT_BYTES} bytes`);
      const straddles = lastChar === '\n' && text[0] === '\n';
      lastChar = text[text.length - 1];
      if (!straddles && !text.includes('\n\n')) continue;
      let buffer = pieces.join('');
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue; // a keep-alive comment
        let event: RunEvent;
        try {
          event = JSON.parse(data) as RunEvent;
        } catch {
          throw new RemoteError(0, 'bad_event', `${this.base} sent an event that is not JSON: ${data.slice(0, 200)}`);
        }
        onEvent(event);
        if (event.type === 'run.finished') return true;
      }
      pieces = buffer === '' ? [] : [buffer];
      size = buffer.length;
      if (buffer === '') lastChar = '';
    }
    return false;
  }

  async cancel(runId: string): Promise<void> {
    await this.call(`/api/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
  }

  async record(runId: string): Promise<RunRecord> {
    return (await (await this.call(`/api/runs/${encodeURIComponent(runId)}`)).json()) as RunRecord;
  }

  /** A retention pass on the server's data dir (`atelier gc` while the server holds it). */
  async gc(days: number, dryRun: boolean): Promise<GcPassReport> {
    const answer = await this.call('/api/gc', { method: 'POST', body: JSON.stringify({ days, dryRun }), headers: { 'content-type': 'application/json' } });
    return (await answer.json()) as GcPassReport;
  }

  /** Uploads an input file (`--input photo=@cat.png`) to the server: its artifact handle. */
  async upload(bytes: Uint8Array): Promise<Artifact> {
    const type = sniffMediaType(bytes) ?? 'application/octet-stream';
    const answer = await this.call('/api/uploads', { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': type } });
    return (await answer.json()) as Artifact;
  }

  /** An output as a file: the server embeds the run's flow in PNGs (`?download=1&run=`). */
  async download(hash: string, runId: string): Promise<Uint8Array> {
    const answer = await this.call(`/api/artifacts/${hash}?download=1&run=${encodeURIComponent(runId)}`);
    return new Uint8Array(await answer.arrayBuffer());
  }

  /** The artifact reader writeOutputs uses. */
  readonly artifacts = {
    read: async (artifact: { artifact: string } | string): Promise<Buffer> => {
      const hash = typeof artifact === 'string' ? artifact : artifact.artifact;
      return Buffer.from(await (await this.call(`/api/artifacts/${hash}`)).arrayBuffer());
    },
  };

  /** A request whose headers must come within silenceMs (an event stream passes its own watch, which also covers its body). */
  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headersWatch = init.signal ? undefined : new SilenceWatch(this.silenceMs);
    let answer: Response;
    try {
      answer = await fetch(this.base + path, { ...init, signal: init.signal ?? headersWatch!.signal, headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) } });
    } catch (error) {
      throw new Error(`cannot reach the server holding the data dir at ${this.base}: ${rootCause(error)}`, { cause: error });
    } finally {
      headersWatch?.stop();
    }
    if (answer.ok) return answer;
    const text = await answer.text();
    let code = 'http_error';
    let message = `${this.base}${path} answered ${answer.status}: ${text.slice(0, 500)}`;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body.error?.message) {
        code = body.error.code ?? code;
        message = body.error.message;
      }
    } catch {
      // not JSON: keep the raw text
    }
    throw new RemoteError(answer.status, code, message, retryAfterMs(answer.headers.get('retry-after')));
  }
}

/** Retry-After in seconds (the HTTP-date form is not used by Atelier's server). */
function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null || header.trim() === '' ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The innermost cause's message: fetch's own ("fetch failed", "terminated") says less than what caused it. */
function rootCause(error: unknown): string {
  let inner = error;
  for (let depth = 0; depth < 8 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}
