// Storing a large output: the event loop's longest stall while ArtifactStore.put stores 50 MB (hash in
// slices, write and fsync in libuv's threads), beside the same work done synchronously (one hash call,
// writeFileAtomic), as put did before. And while a run's image of ~4.6 MB goes to the gallery with its
// flow embedded (read and written on libuv's threads, the image not copied), beside reading, embedding
// and writing it in one step, as the gallery did before.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { embedFlowInPng, pngWithFlowParts } from '../model/png-meta';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../runtime/store';
import { writeFileAtomic } from '../runtime/store/atomic-write';
import { longestStall } from './stall';
import { median, printTable } from './table';

const MB = 50;
export async function bench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const store = openStore(join(dir, 'data'));
  const syncDir = join(dir, 'sync');
  mkdirSync(syncDir);
  const put: number[] = [];
  const sync: number[] = [];
  const gallery: number[] = [];
  const gallerySync: number[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      const bytes = randomBytes(MB * 1e6);
      put.push(await longestStall(() => store.artifacts.put(bytes, { mediaType: 'application/x-ply' })));
      sync.push(
        await longestStall(() => {
          const hash = createHash('sha256').update(bytes).digest('hex');
          writeFileAtomic(join(syncDir, hash), bytes);
        }),
      );
    }
    const png = await sharp({ create: { width: 1536, height: 1024, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const artifact = await store.artifacts.put(png);
    const embedded = { flow: JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8')), inputs: {}, runId: 'bench' };
    store.gallery.fileParts = (bytes) => pngWithFlowParts(bytes, embedded);
    for (let round = 0; round < 5; round++) {
      gallery.push(await longestStall(() => store.gallery.add({ artifact, provider: 'openai', prompt: 'bench' }, { runId: 'bench', nodeId: 'gen' })));
      gallerySync.push(await longestStall(() => writeFileSync(join(syncDir, `gallery-${round}.png`), embedFlowInPng(readFileSync(store.artifacts.pathOf(artifact.artifact)), embedded))));
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(`Storing a ${MB} MB output, and a run's 4.6 MB image in the gallery (longest event-loop stall, median of 5)`, [
    { name: 'ArtifactStore.put', value: median(put), unit: 'ms', baseline: { name: 'hash + write + fsync on the event loop', value: median(sync) }, target: '< 50 ms' },
    { name: 'GalleryStore.add, flow embedded', value: median(gallery), unit: 'ms', baseline: { name: 'read + embed + write on the event loop', value: median(gallerySync) }, target: '< ×0.3' },
  ]);
  return { artifactPutStall50MbMs: median(put), artifactPutStall50MbSyncMs: median(sync), galleryAddStallMs: median(gallery), galleryAddStallSyncMs: median(gallerySync) };
}
