// A real store in a temp dir and a NodeContext over it, for testing one node's `run` directly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact, GalleryEntryInput, NodeContext } from '../../nodes/api';
import { assetFiles } from '../../runtime/assets';
import { openStore, type Store } from '../../runtime/store';

export function createTempStore(): Store & { cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-test-'));
  const store = openStore(dir);
  return Object.assign(store, {
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface RecordingContext extends NodeContext {
  progressCalls: Array<{ fraction: number; message?: string; preview?: Artifact }>;
  meta: Record<string, unknown>;
  galleryEntries: GalleryEntryInput[];
  logs: string[];
}

export function createNodeContext(
  store: Store,
  options: { env?: Record<string, string>; signal?: AbortSignal; nodeId?: string; assetsDir?: string } = {},
): RecordingContext {
  const ctx: RecordingContext = {
    runId: 'test-run',
    nodeId: options.nodeId ?? 'n1',
    signal: options.signal ?? new AbortController().signal,
    credentials: { get: (name) => options.env?.[name] },
    artifacts: store.artifacts,
    gallery: {
      add(entry) {
        ctx.galleryEntries.push(entry);
        return store.gallery.add(entry, { runId: ctx.runId, nodeId: ctx.nodeId }).then(() => undefined);
      },
    },
    assets: assetFiles(options.assetsDir ?? 'flows/assets'),
    progress(fraction, message, preview) {
      ctx.progressCalls.push({ fraction, message, preview });
    },
    setMeta(meta) {
      Object.assign(ctx.meta, meta);
    },
    skipCache(reason) {
      ctx.meta.notCached = reason;
    },
    log(message) {
      ctx.logs.push(message);
    },
    progressCalls: [],
    meta: {},
    galleryEntries: [],
    logs: [],
  };
  return ctx;
}
