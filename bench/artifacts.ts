// Storing a large output: the event loop's longest stall while ArtifactStore.put stores 50 MB (hash in
// slices, write and fsync in libuv's threads), beside the same work done synchronously (one hash call,
// writeFileAtomic), as put did before.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(`Storing a ${MB} MB output (longest event-loop stall, median of 5)`, [
    { name: 'ArtifactStore.put', value: median(put), unit: 'ms', baseline: { name: 'hash + write + fsync on the event loop', value: median(sync) }, target: '< 50 ms' },
  ]);
  return { artifactPutStall50MbMs: median(put), artifactPutStall50MbSyncMs: median(sync) };
}
