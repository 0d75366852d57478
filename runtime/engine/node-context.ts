// The NodeContext a node's `run` receives. A class, so a run of many small nodes allocates one
// object per node instead of a dozen closures.
import type { Artifact, ArtifactStoreApi, AssetFiles, Credentials, GalleryEntryInput, NodeContext } from '../../nodes/api';
import type { RunEventBody } from '../../model/events';
import type { RunCancel } from './run-cancel';

/**
 * A node's progress events: a burst of PROGRESS_BURST, then at most PROGRESS_PER_SECOND. Each is
 * stored and sent to every subscriber, and a node may call progress() in a loop (a streamed answer
 * chunk by chunk, an iteration counter): the ones in between are dropped, the latest is sent when its
 * turn comes, unless the node has ended by then. Nodes reporting a few steps are never thinned.
 */
export const PROGRESS_BURST = 20;
export const PROGRESS_PER_SECOND = 10;

interface ProgressThrottle {
  tokens: number;
  refilledAt: number;
  held?: RunEventBody;
  timer?: NodeJS.Timeout;
  logged: boolean;
}

export interface NodeContextDeps {
  credentials: Credentials;
  artifacts: ArtifactStoreApi;
  assets: AssetFiles;
  gallery: { add(entry: GalleryEntryInput, origin: { runId: string; nodeId: string }): Promise<unknown> | void };
  log(message: string): void;
}

export class RunNodeContext implements NodeContext {
  /** What the node said about its result (setMeta, skipCache); made on first use: most nodes say nothing. */
  meta?: Record<string, unknown>;
  running = true;

  constructor(
    private readonly deps: NodeContextDeps,
    private readonly emit: (event: RunEventBody) => void,
    readonly runId: string,
    readonly nodeId: string,
    private readonly cancel: RunCancel,
  ) {}

  /** The run's signal: made when a node first asks (see RunCancel). */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  get credentials(): Credentials {
    return this.deps.credentials;
  }

  get artifacts(): ArtifactStoreApi {
    return this.deps.artifacts;
  }

  get assets(): AssetFiles {
    return this.deps.assets;
  }

  get gallery(): { add(entry: GalleryEntryInput): Promise<void> } {
    return {
      add: (entry) => {
        const kept = (async () => {
          await this.deps.gallery.add(entry, { runId: this.runId, nodeId: this.nodeId });
        })();
        // A node that does not wait for it still has a failure said (and never an unhandled rejection).
        kept.catch((error: Error) => this.log(`gallery entry not kept: ${error.message}`));
        return kept;
      },
    };
  }

  progress(fraction: number, message?: string, preview?: Artifact): void {
    if (!this.running) return;
    const event: RunEventBody = { type: 'node.progress', nodeId: this.nodeId, fraction: Math.max(0, Math.min(1, fraction)) };
    if (message !== undefined) event.message = message;
    if (preview) event.preview = preview;
    const throttle = (this.throttle ??= { tokens: PROGRESS_BURST, refilledAt: performance.now(), logged: false });
    refill(throttle);
    if (!throttle.held && throttle.tokens >= 1) {
      throttle.tokens--;
      this.emit(event);
      return;
    }
    throttle.held = event; // the newest wins
    if (!throttle.logged) {
      throttle.logged = true;
      this.log(`progress reported more than ${PROGRESS_PER_SECOND} times a second: events in between are dropped`);
    }
    if (!throttle.timer) this.sendHeldLater(throttle);
  }

  /** Made on the first progress(): most nodes never report any. */
  private throttle?: ProgressThrottle;

  private sendHeldLater(throttle: ProgressThrottle): void {
    const waitMs = Math.max(0, ((1 - throttle.tokens) * 1000) / PROGRESS_PER_SECOND);
    throttle.timer = setTimeout(() => {
      throttle.timer = undefined;
      const held = throttle.held;
      throttle.held = undefined;
      if (!held || !this.running) return;
      refill(throttle);
      throttle.tokens = Math.max(0, throttle.tokens - 1);
      try {
        this.emit(held);
      } catch (error) {
        this.log(`a progress event could not be recorded: ${(error as Error).message}`); // never thrown out of a timer
      }
    }, waitMs);
    throttle.timer.unref();
  }

  setMeta(meta: Record<string, unknown>): void {
    this.meta = Object.assign(this.meta ?? {}, meta);
  }

  /** Why this result is kept out of the cache, when the node said so. */
  uncached?: string;

  skipCache(reason: string): void {
    this.uncached = reason;
    this.setMeta({ notCached: reason });
    this.log(`result not cached: ${reason}`);
  }

  log(message: string): void {
    this.deps.log(`[${this.runId} ${this.nodeId}] ${message}`);
  }
}

function refill(throttle: ProgressThrottle): void {
  const now = performance.now();
  throttle.tokens = Math.min(PROGRESS_BURST, throttle.tokens + ((now - throttle.refilledAt) * PROGRESS_PER_SECOND) / 1000);
  throttle.refilledAt = now;
}
