// A Bloom filter over cache keys: "definitely not stored" without asking SQLite. Most lookups of a
// fresh run miss, and an index probe costs more than the rest of a small node's scheduling. A false
// positive only costs that probe; the filter never says no to a key that was added.

/** Bits per key the filter grows to keep (about 1% false positives at 4 probes). */
const BITS_PER_KEY = 12;
const PROBES = 4;
export const MIN_FILTER_BITS = 1 << 20;
/** 32 MiB: past ~22 million keys the false-positive rate rises instead of the memory. */
export const MAX_FILTER_BITS = 1 << 28;

export class KeyFilter {
  private readonly words: Uint32Array;
  private readonly mask: number;
  count = 0;

  constructor(readonly bits = MIN_FILTER_BITS) {
    if (!Number.isInteger(Math.log2(bits))) throw new Error(`filter size must be a power of two, got ${bits}`);
    this.words = new Uint32Array(bits >>> 5);
    this.mask = bits - 1;
  }

  /** The size that holds `keys` at the target rate, within MIN/MAX. */
  static bitsFor(keys: number): number {
    let bits = MIN_FILTER_BITS;
    while (bits < MAX_FILTER_BITS && bits < keys * BITS_PER_KEY) bits *= 2;
    return bits;
  }

  /** Whether adding more keys would push it past its target rate (and it could still grow). */
  get full(): boolean {
    return this.bits < MAX_FILTER_BITS && this.count * BITS_PER_KEY > this.bits;
  }

  add(key: string): void {
    const [a, b] = hashes(key);
    for (let i = 0; i < PROBES; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask;
      this.words[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count++;
  }

  mightHave(key: string): boolean {
    const [a, b] = hashes(key);
    for (let i = 0; i < PROBES; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask;
      if ((this.words[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

const pair: [number, number] = [0, 0];

let lastKey: string | undefined;

/** Two 32-bit FNV-1a style hashes of the key (different seeds and primes), for double hashing. */
function hashes(key: string): [number, number] {
  // A miss (mightHave) is usually followed by add() of the same key: hash it once.
  if (key === lastKey) return pair;
  lastKey = key;
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  pair[0] = a >>> 0;
  pair[1] = (b ^ (b >>> 15)) | 1; // odd: the probes of one key never collapse onto one bit
  return pair;
}
