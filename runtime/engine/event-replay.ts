// Following a run: its stored events after `since`, then its live ones, none missed or repeated.
// Stored events are read a page per turn of the event loop: a 100,000-node run has 200,000 events,
// and replaying them in one step held the server ~0.7 s per subscriber.
import type { RunEvent } from '../../model/events';

export type RunListener = (event: RunEvent) => void;

export interface Subscription {
  stop(): void;
  /**
   * Settles once every stored event is delivered and live ones come straight through, or the
   * subscription stopped: with the error when the stored events could not be read (it is stopped then).
   */
  readonly caughtUp: Promise<Error | undefined>;
}

/** Events from `since` on, whole stored batches until at least `minEvents`; `complete` at the latest one. */
export type ReadEventPage = (since: number, minEvents: number) => { events: RunEvent[]; complete: boolean };

export const REPLAY_PAGE_EVENTS = 1000;
/** How long a replay waits for a paused subscriber before it looks again. */
export const REPLAY_PAUSE_MS = 10;

export interface ReplayOptions {
  /** True while the subscriber cannot take more (a full socket buffer): the replay waits. */
  paused?: () => boolean;
}

/**
 * `live` is the run's listener set while it runs (undefined once it finished). The store holds every
 * event before it is emitted, so a live event that comes while this is behind is left to the store:
 * nothing is held here. A subscriber that stops keeping up (paused) is moved back from live events to
 * stored pages, read as it drains: a client that does not read costs the server a full socket buffer,
 * not every event of a 100,000-node run. The first page is delivered before this returns, so a run with
 * few events is replayed whole at once.
 */
export function replayThenFollow(readPage: ReadEventPage, live: Set<RunListener> | undefined, since: number, listener: RunListener, options: ReplayOptions = {}): Subscription {
  let last = since;
  let stopped = false;
  let following = false;
  let settle!: (error: Error | undefined) => void;
  const caughtUp = new Promise<Error | undefined>((resolve) => (settle = resolve));

  const deliver = (event: RunEvent) => {
    if (stopped || event.seq <= last) return;
    last = event.seq;
    listener(event);
  };
  const stop = (error?: Error) => {
    stopped = true;
    live?.delete(hear);
    settle(error);
  };
  // A later page runs from a timer: a failure there (a read, or the listener) stops this subscription only.
  const step = () => {
    if (stopped) return;
    try {
      if (options.paused?.()) return void setTimeout(step, REPLAY_PAUSE_MS);
      const page = readPage(last, REPLAY_PAGE_EVENTS);
      for (const event of page.events) deliver(event);
      if (!page.complete) return void setImmediate(step);
    } catch (error) {
      return stop(error instanceof Error ? error : new Error(String(error)));
    }
    following = true;
    settle(undefined);
  };
  function hear(event: RunEvent): void {
    if (!following || stopped) return;
    if (options.paused?.()) {
      following = false;
      setTimeout(step, REPLAY_PAUSE_MS);
      return;
    }
    deliver(event);
  }

  live?.add(hear);
  step();
  return { stop: () => stop(), caughtUp };
}

/** What a run's stored events are read from (RunStore). */
export interface StoredEvents {
  has(runId: string): boolean;
  eventPage(runId: string, since: number, minEvents: number): ReturnType<ReadEventPage>;
}

/**
 * A run service's subscribe(): `live` is the run's listener set while it runs here. Undefined for a
 * run the store does not know. The store holds every event emitted so far (committed or pending).
 */
export function followRun(store: StoredEvents, runId: string, live: Set<RunListener> | undefined, since: number, listener: RunListener, options?: ReplayOptions): Subscription | undefined {
  if (!live && !store.has(runId)) return undefined;
  return replayThenFollow((after, minEvents) => store.eventPage(runId, after, minEvents), live, since, listener, options);
}
