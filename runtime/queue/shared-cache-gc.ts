// `atelier gc` in queue mode: the shared cache in Redis names artifacts too. Entries older than the
// retention go (as the SQLite cache rows do); the others keep every artifact they name. After the
// artifacts are removed, any entry that still names one of them (written by a worker meanwhile) is
// dropped, so no cache hit ever points at a missing file: the node just runs again.
import type { Redis } from 'ioredis';
import { keys } from './config';
import { TTL_SECONDS } from './shared-cache';

const HASHES = /[0-9a-f]{64}/g;
const BATCH = 500;
const MAX_ENTRIES = 10_000_000;

export interface SharedCacheScan {
  /** Artifact hashes named by entries gc keeps. */
  referenced: Set<string>;
  /** Entries older than the cutoff. */
  stale: string[];
  entries: number;
}

export class SharedCacheGc {
  private constructor(private readonly redis: Redis) {}

  /** Connects once, without the endless retries of a worker: gc must not run on half the references. */
  static async connect(url: string): Promise<SharedCacheGc> {
    const { Redis: Client } = await import('ioredis');
    const redis = new Client(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: () => null, connectionName: 'atelier-gc' });
    redis.on('error', () => {}); // surfaced by the command that fails
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new Error(`queue mode: the shared cache at ${url.replace(/\/\/[^@/]*@/, '//***@')} cannot be read (${(error as Error).message}); gc removed nothing`, { cause: error });
    }
    return new SharedCacheGc(redis);
  }

  async scan(cutoff: Date, now = new Date()): Promise<SharedCacheScan> {
    const result: SharedCacheScan = { referenced: new Set(), stale: [], entries: 0 };
    const maxAgeS = (now.getTime() - cutoff.getTime()) / 1000;
    await this.eachBatch(async (batch) => {
      const pipeline = this.redis.pipeline();
      for (const key of batch) pipeline.get(key).ttl(key);
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((key, i) => {
        const [getError, value] = replies[2 * i] as [Error | null, string | null];
        const [, ttl] = replies[2 * i + 1] as [Error | null, number];
        if (getError) throw getError;
        if (value === null) return; // expired meanwhile
        result.entries++;
        const ageS = ttl >= 0 ? TTL_SECONDS - ttl : 0;
        if (ageS > maxAgeS) result.stale.push(key);
        else for (const match of value.matchAll(HASHES)) result.referenced.add(match[0]);
      });
    });
    return result;
  }

  /** Drops the given entries and any entry naming a removed artifact; answers how many went. */
  async drop(stale: string[], removedArtifacts: Iterable<string>): Promise<number> {
    const removed = new Set(removedArtifacts);
    const doomed = new Set(stale);
    if (removed.size) {
      await this.eachBatch(async (batch) => {
        const values = await this.redis.mget(batch);
        values.forEach((value, i) => {
          if (value && [...value.matchAll(HASHES)].some((match) => removed.has(match[0]))) doomed.add(batch[i]);
        });
      });
    }
    let dropped = 0;
    const all = [...doomed];
    for (let i = 0; i < all.length; i += BATCH) dropped += await this.redis.del(...all.slice(i, i + BATCH));
    return dropped;
  }

  close(): void {
    this.redis.disconnect();
  }

  private async eachBatch(visit: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    let seen = 0;
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', keys.cache('*'), 'COUNT', BATCH);
      cursor = next;
      seen += found.length;
      if (found.length) await visit(found);
      if (seen > MAX_ENTRIES) throw new Error(`the shared cache has more than ${MAX_ENTRIES} entries; gc stops rather than read them all`);
    } while (cursor !== '0');
  }
}
