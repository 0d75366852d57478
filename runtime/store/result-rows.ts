// Cache results held in memory as the bytes of their rows (key, node type, outputs JSON, meta JSON),
// appended to chunks outside the JS heap. As objects (an entry, its result, its outputs, its key), the
// last 20,000 results were four objects each for every scavenge and mark to trace, their size was
// bounded only by their count, and a hit handed out the object another run held. As rows, a batch
// hands the writer thread references to their bytes (the chunks are shared memory: shared-values.ts),
// a generation is bounded in bytes too, and a hit parses its row, so it answers what SQLite would
// answer after a restart (a 1,000-node cached re-run ~0.5 ms slower).
//
// A row: u32 its byte length, u8 flags (1: not yet written to SQLite), then the key, the node type, the
// outputs and the meta, each as u32 byte length and UTF-8 (meta's length is 0xffffffff when it has none).
import { type FieldRows, NULL_FIELD, sharedBuffer, writeUtf8 } from './shared-values';

const CHUNK_BITS = 18;
/** Rows are appended to chunks of up to this size (a generation's first ones are smaller); a larger row gets a chunk of its own. */
const CHUNK_BYTES = 1 << CHUNK_BITS;
const FIRST_CHUNK_BYTES = 4 << 10;
/** A location is chunk << CHUNK_BITS | offset, below 2^30: a small integer in V8 on every platform. */
export const MAX_CHUNKS = 1 << (30 - CHUNK_BITS);

const UNWRITTEN = 1;
const HEADER_BYTES = 5;
/** A row's fields: key, node type, outputs JSON, meta JSON. */
export const ROW_FIELDS = 4;

/**
 * Chunks of rows let go (release()), for the next ones: new shared memory costs ~0.5 ms a chunk here,
 * as much as its rows' copies saved. At most this many are kept.
 */
const SPARE_CHUNKS = 32;
const spareChunks: Buffer[] = [];

export class ResultRows {
  private readonly chunks: Buffer[] = [];
  /** Each chunk's shared memory (a chunk starts at its start), read per row of a batch: the Buffer's `buffer` getter cost ~16 ns a call. */
  private readonly memory: SharedArrayBuffer[] = [];
  private chunk: Buffer = sharedBuffer(0);
  private used = 0;
  /** Rows appended. */
  count = 0;
  private released = false;
  /** Bytes of the chunks allocated. */
  bytes = 0;

  /** No row can be appended once this is true: the caller starts another ResultRows. */
  get full(): boolean {
    return this.released || this.chunks.length >= MAX_CHUNKS - 1;
  }

  /** Appends a row; answers its location. */
  add(key: string, nodeType: string, outputsJson: string, metaJson: string | undefined, unwritten: boolean): number {
    const most = HEADER_BYTES + 16 + (key.length + nodeType.length + outputsJson.length + (metaJson?.length ?? 0)) * 3;
    const location = this.room(most);
    const chunk = this.chunk;
    let at = this.used + HEADER_BYTES;
    at = putText(chunk, at, key);
    at = putText(chunk, at, nodeType);
    at = putText(chunk, at, outputsJson);
    if (metaJson === undefined) {
      chunk.writeUInt32LE(NULL_FIELD, at);
      at += 4;
    } else at = putText(chunk, at, metaJson);
    chunk.writeUInt32LE(at - this.used, this.used);
    chunk[this.used + 4] = unwritten ? UNWRITTEN : 0;
    this.used = at;
    this.count++;
    return location;
  }

  /** Appends a copy of another's row (a result used again moves to the young generation), as written. */
  addCopy(from: ResultRows, location: number): number {
    const source = from.chunkOf(location);
    const start = location & (CHUNK_BYTES - 1);
    const length = source.readUInt32LE(start);
    const copied = this.room(length);
    source.copy(this.chunk, this.used, start, start + length);
    this.chunk[this.used + 4] = 0;
    this.used += length;
    this.count++;
    return copied;
  }

  keyIs(location: number, key: string): boolean {
    const chunk = this.chunkOf(location);
    const at = (location & (CHUNK_BYTES - 1)) + HEADER_BYTES;
    const length = chunk.readUInt32LE(at);
    if (length !== key.length) return length > key.length && chunk.toString('utf8', at + 4, at + 4 + length) === key;
    for (let i = 0; i < length; i++) {
      const unit = key.charCodeAt(i);
      if (unit >= 0x80) return chunk.toString('utf8', at + 4, at + 4 + length) === key;
      if (chunk[at + 4 + i] !== unit) return false;
    }
    return true;
  }

  /** The key's first bytes (its first hex digits, for the engine's keys): `index` 0 or 1, 0 past its end. */
  keyByte(location: number, index: number): number {
    const chunk = this.chunkOf(location);
    const at = (location & (CHUNK_BYTES - 1)) + HEADER_BYTES;
    return index < chunk.readUInt32LE(at) ? chunk[at + 4 + index] : 0;
  }

  /** The result, parsed from its row: a new object every time. */
  result(location: number): { outputs: Record<string, unknown>; meta?: Record<string, unknown> } {
    const chunk = this.chunkOf(location);
    let at = (location & (CHUNK_BYTES - 1)) + HEADER_BYTES;
    at += 4 + chunk.readUInt32LE(at); // the key
    at += 4 + chunk.readUInt32LE(at); // the node type
    const outputsLength = chunk.readUInt32LE(at);
    const result: { outputs: Record<string, unknown>; meta?: Record<string, unknown> } = { outputs: JSON.parse(chunk.toString('utf8', at + 4, at + 4 + outputsLength)) };
    at += 4 + outputsLength;
    const metaLength = chunk.readUInt32LE(at);
    if (metaLength !== NULL_FIELD) result.meta = JSON.parse(chunk.toString('utf8', at + 4, at + 4 + metaLength));
    return result;
  }

  /** Adds the row's fields (key, node type, outputs JSON, meta JSON or null) to `rows`, to write it to SQLite. */
  addFieldsTo(rows: FieldRows, location: number): void {
    rows.add(this.memory[location >>> CHUNK_BITS], (location & (CHUNK_BYTES - 1)) + HEADER_BYTES);
  }

  isUnwritten(location: number): boolean {
    return (this.chunkOf(location)[(location & (CHUNK_BYTES - 1)) + 4] & UNWRITTEN) !== 0;
  }

  /**
   * Gives the chunks to the next ResultRows: call it only once nothing reads these rows any more (no
   * location of them is kept, no batch sent with them is unanswered). Appending after it throws.
   */
  release(): void {
    for (const chunk of this.chunks) if (chunk.length === CHUNK_BYTES && spareChunks.length < SPARE_CHUNKS) spareChunks.push(chunk);
    this.chunks.length = 0;
    this.memory.length = 0;
    this.chunk = sharedBuffer(0);
    this.used = 0;
    this.released = true;
  }

  /** Marks the row written; true when it was not before. */
  markWritten(location: number): boolean {
    const chunk = this.chunkOf(location);
    const at = (location & (CHUNK_BYTES - 1)) + 4;
    if ((chunk[at] & UNWRITTEN) === 0) return false;
    chunk[at] &= ~UNWRITTEN;
    return true;
  }

  private chunkOf(location: number): Buffer {
    return this.chunks[location >>> CHUNK_BITS];
  }

  /** Makes room for a row of up to `bytes` bytes; answers the location it will have. */
  private room(bytes: number): number {
    // A chunk of its own may be larger than CHUNK_BYTES, but no row starts past CHUNK_BYTES in it.
    if (this.used + bytes > Math.min(this.chunk.length, CHUNK_BYTES)) {
      if (this.full) throw new Error(this.released ? 'these rows were released' : 'a cache generation is full (MAX_CHUNKS chunks)');
      this.chunk = (bytes <= CHUNK_BYTES && spareChunks.pop()) || sharedBuffer(Math.max(Math.min(CHUNK_BYTES, FIRST_CHUNK_BYTES * 2 ** this.chunks.length), bytes));
      this.chunks.push(this.chunk);
      this.memory.push(this.chunk.buffer as SharedArrayBuffer);
      this.bytes += this.chunk.length;
      this.used = 0;
    }
    return ((this.chunks.length - 1) << CHUNK_BITS) | this.used;
  }
}

/** Writes text's UTF-8 length (u32) and bytes at `at`, room for them made; answers where the next field starts. */
function putText(chunk: Buffer, at: number, text: string): number {
  const length = writeUtf8(chunk, at + 4, text);
  chunk.writeUInt32LE(length, at);
  return at + 4 + length;
}
