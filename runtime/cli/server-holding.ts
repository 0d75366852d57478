// Whether a live `atelier serve` holds the data dir: `atelier run` and `atelier gc` then send their
// work to it over HTTP instead of opening the database.
import { resolve } from 'node:path';
import { DataDirLocked, liveHolder, type LockInfo } from '../store/lock';

/**
 * The live server holding the data dir, if one does. A server that is still starting (its lock has
 * no port yet) is waited for briefly; a dir held by another `atelier run` or `gc` is refused.
 */
export async function serverHolding(dataDir: string): Promise<LockInfo | undefined> {
  for (let waited = 0; ; waited += 100) {
    const holder = liveHolder(dataDir);
    if (!holder) return undefined;
    if (holder.command !== 'serve') throw new DataDirLocked(resolve(dataDir), holder);
    if (holder.port !== undefined) return holder;
    if (waited >= 15_000) throw new DataDirLocked(resolve(dataDir), holder);
    await new Promise((r) => setTimeout(r, 100));
  }
}
