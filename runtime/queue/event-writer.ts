// A worker's side of a run's event stream: events go out in order (one connection, commands in
// order), each gets its seq from Redis; flush() resolves once all of them are stored in Redis.
import type { GalleryEntryInput } from '../../nodes/api';
import type { RunEvent, RunEventBody } from '../../model/events';
import { keys } from './config';
import type { AtelierRedis } from './redis';

export class RunEventWriter {
  private last: Promise<unknown> = Promise.resolve();
  private failure?: Error;

  constructor(
    private readonly redis: AtelierRedis,
    readonly runId: string,
  ) {}

  /** Sends the event; the body gains runId and ts (its seq is assigned in Redis). */
  emit(body: RunEventBody): RunEvent {
    const event = body as RunEvent;
    event.runId = this.runId;
    event.ts = new Date().toISOString();
    this.track(this.redis.atelierEmit(keys.events(this.runId), keys.seq(this.runId), JSON.stringify(event)));
    return event;
  }

  /** Gallery entries travel in the same stream, so the API adds them in order with the events. */
  gallery(entry: GalleryEntryInput, nodeId: string): void {
    this.track(this.redis.xadd(keys.events(this.runId), '*', 'g', JSON.stringify({ entry, nodeId })));
  }

  async flush(): Promise<void> {
    await this.last;
    if (this.failure) throw this.failure;
  }

  private track(pending: Promise<unknown>): void {
    this.last = pending.catch((error: Error) => {
      this.failure ??= error;
    });
  }
}

/** Every event stored in the run's stream so far (a resuming worker folds them). */
export async function readRunEvents(redis: AtelierRedis, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let start = '-';
  for (;;) {
    const entries = await redis.xrange(keys.events(runId), start, '+', 'COUNT', 1000);
    for (const [id, fields] of entries) {
      const event = parseEntry(runId, fields);
      if (event) events.push(event);
      start = `(${id}`;
    }
    if (entries.length < 1000) return events;
  }
}

export type StreamEntry = { kind: 'event'; event: RunEvent } | { kind: 'gallery'; entry: GalleryEntryInput; nodeId: string };

export function parseStreamEntry(runId: string, fields: string[]): StreamEntry | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const json = map.get('e');
  if (json !== undefined) {
    const event = JSON.parse(json) as RunEvent;
    event.runId = runId;
    event.seq = Number(map.get('s'));
    return { kind: 'event', event };
  }
  const gallery = map.get('g');
  if (gallery !== undefined) {
    const { entry, nodeId } = JSON.parse(gallery) as { entry: GalleryEntryInput; nodeId: string };
    return { kind: 'gallery', entry, nodeId };
  }
  return undefined;
}

function parseEntry(runId: string, fields: string[]): RunEvent | undefined {
  const entry = parseStreamEntry(runId, fields);
  return entry?.kind === 'event' ? entry.event : undefined;
}
