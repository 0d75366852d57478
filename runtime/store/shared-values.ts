// The values of a batch for the writer thread, written into shared memory. postMessage copies a
// string at ~270 MB/s (measured here: 30 ms for a burst's 1,000 runs of rows, the event loop held);
// Buffer#write puts UTF-8 into a SharedArrayBuffer at ~3 GB/s, and the buffer itself crosses without
// a copy. The thread reads the values back in writer-thread.ts (WORKER_SOURCE: readValue).
//
// Each value: a tag byte, then 0: null; 1: a float64 (little-endian); 2: text, 3: bytes (a BLOB), 4: long
// text, each a uint32 byte length (little-endian) and the bytes; 5: rows of fields held in other shared
// buffers (SharedValues.shared; FieldRows: the cache's rows, result-rows.ts), each field a uint32 byte
// length (0xffffffff: null) and the UTF-8, as two uint32, the rows' and the fields' count, then each
// row's buffer index and start: its statement runs once per row, with the row's fields (each read as
// long text) followed by the statement's other values.
//
// Rows already in shared memory go by reference: encoding a burst's 20,000 cache rows as statements
// held the event loop ~30 ms (8-13 ms with their text referenced) before the run ends committed with
// them were sent. Utf8Text.of's slabs are not shared memory: a new SharedArrayBuffer cost ~0.5 ms here.
//
// Long text is read back as its UTF-8 bytes, not as a string, and its statement casts it to text
// (sql-writes.ts): decoding a 4 KB row into a string for better-sqlite3 to encode it again was ~40% of
// the writer thread's time for that row (~30 µs a row with it, ~18 without).
export const TAG_NULL = 0;
export const TAG_NUMBER = 1;
export const TAG_TEXT = 2;
export const TAG_BYTES = 3;
export const TAG_LONG_TEXT = 4;
export const TAG_SHARED_ROWS = 5;
/** A field's length that stands for null. */
export const NULL_FIELD = 0xffffffff;

/** From this many UTF-8 bytes, text is written as TAG_LONG_TEXT. */
export const LONG_TEXT_BYTES = 256;

/**
 * Up to this many UTF-16 units, text is copied byte by byte when it is ASCII (ids, keys, times, small
 * JSON): a call to Buffer#write costs more than that copy. (TextEncoder.encodeInto was measured at
 * ~150 MB/s on Node 20, Buffer#write at ~3 GB/s.)
 */
const SHORT_TEXT = 96;

/** Writes text's UTF-8 into `buffer` at `at` (room for text.length * 3 bytes made); answers the bytes written. */
export function writeUtf8(buffer: Buffer, at: number, text: string): number {
  if (text.length <= SHORT_TEXT) {
    let i = 0;
    for (; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      buffer[at + i] = unit;
    }
    if (i === text.length) return i;
  }
  return buffer.write(text, at, 'utf8');
}

/**
 * Text held as its UTF-8 bytes, outside the JS heap, until it is written: written as text, not as a
 * BLOB. A pending run's flow is kept so (runs.ts): a burst of 2,000 queued runs held ~2 KB of flow
 * JSON each, which every scavenge copied until the commit.
 */
export class Utf8Text {
  /** Its bytes are slab[start, start + byteLength): a Buffer view per text cost ~100 bytes of heap more. */
  private constructor(
    private readonly slab: Buffer,
    private readonly start: number,
    readonly byteLength: number,
  ) {}

  /**
   * The text's UTF-8 in a slice of a shared slab: Buffer.from(text) takes small ones from Node's 8 KiB
   * pool, a new pool every ~5 flows of a burst (~2% of a burst's main-thread time went to making them).
   */
  static of(text: string): Utf8Text {
    const most = text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (most > SLAB_BYTES / 8) {
      const own = Buffer.from(text);
      return new Utf8Text(own, 0, own.byteLength);
    }
    if (slabUsed + most > slab.length) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      slabUsed = 0;
    }
    const start = slabUsed;
    const written = slab.write(text, start);
    slabUsed += (written + 7) & ~7;
    return new Utf8Text(slab, start, written);
  }

  /** Copies the bytes into `target` at `at`. */
  copyInto(target: Uint8Array, at: number): void {
    this.slab.copy(target, at, this.start, this.start + this.byteLength);
  }

  toString(): string {
    return this.slab.toString('utf8', this.start, this.start + this.byteLength);
  }
}

/** Rows of `fieldCount` fields each, for a statement run once per row: each row's shared buffer and where its fields start. */
export class FieldRows {
  /** The buffers the rows lie in, each once. */
  readonly buffers: SharedArrayBuffer[] = [];
  /** Per row: the index of its buffer in `buffers`, and where its fields start there. */
  readonly bufferOf: Uint32Array;
  readonly starts: Uint32Array;
  count = 0;
  private readonly indexOf = new Map<SharedArrayBuffer, number>();

  constructor(
    readonly fieldCount: number,
    capacity: number,
  ) {
    this.bufferOf = new Uint32Array(capacity);
    this.starts = new Uint32Array(capacity);
  }

  add(buffer: SharedArrayBuffer, start: number): void {
    if (this.count === this.starts.length) throw new RangeError(`more than the ${this.starts.length} rows room was made for`);
    let index = this.indexOf.get(buffer);
    if (index === undefined) {
      index = this.buffers.push(buffer) - 1;
      this.indexOf.set(buffer, index);
    }
    this.bufferOf[this.count] = index;
    this.starts[this.count++] = start;
  }
}

/**
 * The `count` fields at `start` in `bytes`, appended to `into`: each as text, or with `asText` false
 * as a view of its UTF-8 (long text: its statement casts it); null for a null field.
 */
function readFields(into: unknown[], bytes: Buffer, start: number, count: number, asText: boolean): void {
  let at = start;
  for (let i = 0; i < count; i++) {
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (length === NULL_FIELD) into.push(null);
    else {
      into.push(asText ? bytes.toString('utf8', at, at + length) : bytes.subarray(at, at + length));
      at += length;
    }
  }
}

/** The text of `count` fields at `start` in `buffer` (null for a null field). */
export function fieldTexts(buffer: SharedArrayBuffer, start: number, count: number): Array<string | null> {
  const texts: Array<string | null> = [];
  readFields(texts, Buffer.from(buffer), start, count, true);
  return texts;
}

/** A Buffer over new shared memory: rows written in it go to the writer thread by reference. */
export function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/** A slab is let go once every text in it is: a few turns of a burst (pending flows wait for one commit). */
const SLAB_BYTES = 256 << 10;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

export class SharedValues {
  private bytes: Uint8Array;
  private view: DataView;
  private text: Buffer;
  /** Bytes written so far. */
  length = 0;
  /** The other shared buffers whose rows were written by reference, in the order of their index. */
  readonly shared: SharedArrayBuffer[] = [];
  private readonly sharedIndex = new Map<SharedArrayBuffer, number>();

  constructor(buffer: SharedArrayBuffer) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.text = Buffer.from(buffer);
  }

  /** The buffer holding what was written (a bigger one than given, once it had to grow). */
  get buffer(): SharedArrayBuffer {
    return this.bytes.buffer as SharedArrayBuffer;
  }

  /**
   * Appends a value; one SQLite cannot take as a parameter here is a TypeError, as binding it would be.
   * With `longText`, text of LONG_TEXT_BYTES or more is written as long text, and true is answered
   * (its statement must then cast it: sql-writes.ts).
   */
  writeValue(value: unknown, longText = false): boolean {
    if (value === null) {
      this.room(1);
      this.bytes[this.length++] = TAG_NULL;
    } else if (typeof value === 'number') {
      this.room(9);
      this.bytes[this.length] = TAG_NUMBER;
      this.view.setFloat64(this.length + 1, value, true);
      this.length += 9;
    } else if (typeof value === 'string') {
      this.room(5 + value.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
      return this.textHead(writeUtf8(this.text, this.length + 5, value), longText);
    } else if (value instanceof Utf8Text) {
      this.room(5 + value.byteLength);
      value.copyInto(this.bytes, this.length + 5);
      return this.textHead(value.byteLength, longText);
    } else if (value instanceof Uint8Array) {
      this.room(5 + value.byteLength);
      this.bytes.set(value, this.length + 5);
      this.head(TAG_BYTES, value.byteLength);
    } else {
      throw new TypeError(`a write to the store has a ${value === undefined ? 'missing' : typeof value} parameter; it takes numbers, text, bytes and null`);
    }
    return false;
  }

  /** Overwrites the number written at `at` (a value written as a number, so of the same size). */
  setNumberAt(at: number, value: number): void {
    if (this.bytes[at] !== TAG_NUMBER) throw new Error(`no number was written at ${at}`);
    this.view.setFloat64(at + 1, value, true);
  }

  /** Appends references to rows [from, to) of `rows` (a value that makes its statement run once per row). */
  writeRows(rows: FieldRows, from: number, to: number): void {
    this.room(9 + (to - from) * 8);
    this.bytes[this.length] = TAG_SHARED_ROWS;
    this.view.setUint32(this.length + 1, to - from, true);
    this.view.setUint32(this.length + 5, rows.fieldCount, true);
    const shared = rows.buffers.map((buffer) => this.indexOf(buffer));
    let at = this.length + 9;
    for (let i = from; i < to; i++) {
      this.view.setUint32(at, shared[rows.bufferOf[i]], true);
      this.view.setUint32(at + 4, rows.starts[i], true);
      at += 8;
    }
    this.length = at;
  }

  /** The buffer's index among those referenced (added when new). */
  private indexOf(buffer: SharedArrayBuffer): number {
    let index = this.sharedIndex.get(buffer);
    if (index === undefined) {
      index = this.shared.push(buffer) - 1;
      this.sharedIndex.set(buffer, index);
    }
    return index;
  }

  private textHead(byteLength: number, longText: boolean): boolean {
    const long = longText && byteLength >= LONG_TEXT_BYTES;
    this.head(long ? TAG_LONG_TEXT : TAG_TEXT, byteLength);
    return long;
  }

  private head(tag: number, byteLength: number): void {
    this.bytes[this.length] = tag;
    this.view.setUint32(this.length + 1, byteLength, true);
    this.length += 5 + byteLength;
  }

  private room(needed: number): void {
    if (this.length + needed <= this.bytes.length) return;
    const grown = new Uint8Array(new SharedArrayBuffer(Math.max(this.bytes.length * 2, this.length + needed)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
    this.text = Buffer.from(grown.buffer);
  }
}

/**
 * Calls `each` with every statement written between two offsets: its number and its parameters (what
 * the writer thread's readValue does, for batches committed on the main connection). Long text and
 * bytes come as Buffers over `buffer` itself (better-sqlite3 binds a copy): bind them before the
 * buffer is written again.
 */
export function readStatements(
  buffer: SharedArrayBuffer,
  from: number,
  to: number,
  shared: readonly SharedArrayBuffer[],
  each: (statement: number, params: unknown[]) => void,
): void {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const text = Buffer.from(buffer);
  const sharedText = shared.map((other) => Buffer.from(other));
  let at = from;
  const readValue = (): unknown => {
    const tag = bytes[at];
    if (tag === TAG_NULL) {
      at += 1;
      return null;
    }
    if (tag === TAG_NUMBER) {
      const value = view.getFloat64(at + 1, true);
      at += 9;
      return value;
    }
    const length = view.getUint32(at + 1, true);
    const start = at + 5;
    at = start + length;
    return tag === TAG_TEXT ? text.toString('utf8', start, at) : text.subarray(start, at);
  };
  /** A TAG_SHARED_ROWS record: its statement once per row, with the row's fields and then the record's other values. */
  const readRows = (statement: number, values: number): void => {
    const rows = view.getUint32(at + 1, true);
    const fieldCount = view.getUint32(at + 5, true);
    let row = at + 9;
    at = row + rows * 8;
    const rest: unknown[] = [];
    for (let i = 1; i < values; i++) rest.push(readValue());
    for (let r = 0; r < rows; r++, row += 8) {
      const params: unknown[] = [];
      readFields(params, sharedText[view.getUint32(row, true)], view.getUint32(row + 4, true), fieldCount, false);
      each(statement, params.concat(rest));
    }
  };
  while (at < to) {
    const statement = readValue() as number;
    const count = readValue() as number;
    if (bytes[at] === TAG_SHARED_ROWS) {
      readRows(statement, count);
      continue;
    }
    const params = new Array<unknown>(count);
    for (let i = 0; i < count; i++) params[i] = readValue();
    each(statement, params);
  }
}

const FIRST_BUFFER_BYTES = 1 << 20;
/** Buffers kept at most: one batch in flight, one whose deferred part waits. */
const KEPT_BUFFERS = 2;
/** None larger is kept: one huge batch does not pin its buffer. */
const KEPT_BUFFER_BYTES = 32 << 20;

/** Buffers of batches done with, for the next ones: a reused buffer has its pages in memory (fresh ones fault in slowly here). */
export class BufferPool {
  private readonly free: SharedArrayBuffer[] = [];

  /** The largest free buffer, else a new one. */
  take(): SharedArrayBuffer {
    if (this.free.length === 0) return new SharedArrayBuffer(FIRST_BUFFER_BYTES);
    let largest = 0;
    for (let i = 1; i < this.free.length; i++) if (this.free[i].byteLength > this.free[largest].byteLength) largest = i;
    return this.free.splice(largest, 1)[0];
  }

  give(buffer: SharedArrayBuffer): void {
    if (this.free.length < KEPT_BUFFERS && buffer.byteLength <= KEPT_BUFFER_BYTES) this.free.push(buffer);
  }
}
