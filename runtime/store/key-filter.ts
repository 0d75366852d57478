// A Bloom filter over cache keys: "definitely not stored" without asking SQLite. Most lookups of a
// fresh run miss, and an index probe costs more than the rest of a small node's scheduling. A false
// positive only costs that probe; the filter never says no to a key that was added.
//
// It grows by layers (a scalable Bloom filter): when the newest layer is full, a new one GROWTH times
// its size takes the next keys, and a lookup asks every layer. Growing never reads the stored keys again:
// rebuilding one bigger filter from SQLite stalled the event loop for as long as it took to read
// every key (~100 ms per 100,000 keys) each time the cache doubled.

/**
 * Bits per key a layer is filled to: about 0.04% false positives in a full layer (measured). A false
 * positive costs an index probe, and on a busy server that probe is slow: the writer thread's commits
 * empty this connection's page cache, so it reads its B-tree pages again (~30 µs). At 12 bits a key
 * (~0.9% over the layers of a growing cache) those probes were 3% of a ten-node run's main-thread time
 * in the back-to-back benchmark.
 */
const BITS_PER_KEY = 20;
/**
 * A miss asks every layer, and a layer bigger than the CPU's caches costs a cache and TLB miss a
 * lookup (~150 ns on these virtual machines): with a 128 KiB first layer doubling, a 440,000-key
 * cache had five layers and a miss cost ~3.5% of a ten-node run's main-thread time. A 2 MiB first
 * layer (~840,000 keys; its pages are only resident once written) growing fourfold keeps most caches
 * to one layer.
 */
export const MIN_FILTER_BITS = 1 << 24;
const GROWTH = 4;
/** 64 MiB in all: past ~17 million keys (two layers more) the false-positive rate rises instead of the memory. */
const MAX_FILTER_BITS = 1 << 29;

/** Words in a block: a key's eight bits, one in each word, all in 32 bytes. */
const BLOCK_WORDS = 8;
/** Odd multipliers that spread the second hash over a block's eight words (any odd constants mixing the high bits do). */
const SALTS = new Uint32Array([0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);

/**
 * One layer, a split-block Bloom filter (as Parquet's): the first hash picks a 32-byte block, the second
 * sets one bit in each of its eight words, so an add or a lookup touches one cache line a layer however
 * many bits a key has. Measured with the CPU's caches evicted between batches (1,200,000 keys), adds and
 * misses cost what the four-probe layers did (~70–150 ns, noisy), with a twentieth of their false positives.
 */
class Layer {
  readonly words: Uint32Array;
  private readonly blockMask: number;
  count = 0;

  constructor(readonly bits: number) {
    this.words = new Uint32Array(bits >>> 5);
    this.blockMask = (bits >>> 8) - 1;
  }

  get full(): boolean {
    return this.count * BITS_PER_KEY > this.bits;
  }

  add(a: number, b: number): void {
    const base = (a & this.blockMask) * BLOCK_WORDS;
    for (let i = 0; i < BLOCK_WORDS; i++) this.words[base + i] |= 1 << (Math.imul(b, SALTS[i]) >>> 27);
    this.count++;
  }

  mightHave(a: number, b: number): boolean {
    const base = (a & this.blockMask) * BLOCK_WORDS;
    for (let i = 0; i < BLOCK_WORDS; i++) if ((this.words[base + i] & (1 << (Math.imul(b, SALTS[i]) >>> 27))) === 0) return false;
    return true;
  }
}

export class KeyFilter {
  private readonly layers: Layer[];
  private newest: Layer;

  /** `bits`: the first layer's size (a power of two), e.g. bitsFor(the keys stored now). */
  constructor(bits = MIN_FILTER_BITS) {
    if (!Number.isInteger(Math.log2(bits)) || bits < 256) throw new Error(`filter size must be a power of two of at least 256 bits, got ${bits}`);
    this.newest = new Layer(bits);
    this.layers = [this.newest];
  }

  /** The first layer's size that holds `keys` at the target rate, within MIN/MAX. */
  static bitsFor(keys: number): number {
    let bits = MIN_FILTER_BITS;
    while (bits < MAX_FILTER_BITS / 2 && bits < keys * BITS_PER_KEY) bits *= 2;
    return bits;
  }

  /** Keys added (a key added twice counts twice). */
  get count(): number {
    let count = 0;
    for (const layer of this.layers) count += layer.count;
    return count;
  }

  /** How many layers it has grown to. */
  get layerCount(): number {
    return this.layers.length;
  }

  add(key: string): void {
    const [a, b] = hashes(key);
    if (this.newest.full) this.grow();
    this.newest.add(a, b);
  }

  /** A new layer GROWTH times the newest's size, unless that would pass MAX_FILTER_BITS in all. */
  private grow(): void {
    let bits = this.newest.bits * GROWTH;
    for (const layer of this.layers) bits += layer.bits;
    if (bits > MAX_FILTER_BITS) return;
    this.newest = new Layer(this.newest.bits * GROWTH);
    this.layers.push(this.newest);
  }

  mightHave(key: string): boolean {
    const [a, b] = hashes(key);
    // Newest first: a recent key is likelier to be looked up again.
    for (let i = this.layers.length - 1; i >= 0; i--) if (this.layers[i].mightHave(a, b)) return true;
    return false;
  }
}

const pair: [number, number] = [0, 0];

/** A 30-bit hash of the key (a small integer in V8 everywhere): for a SHA-256 hex key, 30 bits of its first eight digits. */
export function keyHash(key: string): number {
  return hashes(key)[0] & 0x3fffffff;
}

let lastKey: string | undefined;

/** The hex digit value of a character code (either case), -1 where it is none. */
export function hexDigitValue(code: number): number {
  return code < 128 ? HEX[code] : -1;
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/** A SHA-256 hex key is its own hash: its first 16 digits as two 32-bit numbers; -1 in `pair[0]` when it is not hex. */
function hexHashes(key: string): void {
  let a = 0;
  let b = 0;
  for (let i = 0; i < 8; i++) {
    const high = key.charCodeAt(i);
    const low = key.charCodeAt(i + 8);
    const x = hexDigitValue(high);
    const y = hexDigitValue(low);
    if ((x | y) < 0) {
      pair[0] = -1;
      return;
    }
    a = (a << 4) | x;
    b = (b << 4) | y;
  }
  pair[0] = a >>> 0;
  pair[1] = b;
}

/** Two 32-bit hashes of the key (a layer's block, the bits in it): a SHA-256 key's own digits (the engine's keys), else FNV-1a style. */
function hashes(key: string): [number, number] {
  // A miss (mightHave) is usually followed by add() of the same key: hash it once.
  if (key === lastKey) return pair;
  lastKey = key;
  if (key.length === 64) {
    hexHashes(key);
    if (pair[0] !== -1) return pair;
  }
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  pair[0] = a >>> 0;
  pair[1] = b ^ (b >>> 15);
  return pair;
}
