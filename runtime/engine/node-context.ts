// The NodeContext a node's `run` receives. A class, so a run of many small nodes allocates one
// object per node instead of a dozen closures.
import type { Artifact, ArtifactStoreApi, Credentials, GalleryEntryInput, NodeContext } from '../../nodes/api';
import type { RunEventBody } from '../../model/events';

export interface NodeContextDeps {
  credentials: Credentials;
  artifacts: ArtifactStoreApi;
  assets: { read(name: string): Promise<Buffer> };
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
    readonly signal: AbortSignal,
  ) {}

  get credentials(): Credentials {
    return this.deps.credentials;
  }

  get artifacts(): ArtifactStoreApi {
    return this.deps.artifacts;
  }

  get assets(): { read(name: string): Promise<Buffer> } {
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
    this.emit(event);
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
