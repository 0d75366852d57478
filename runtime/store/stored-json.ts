// A run's flow, record and event batches are stored deflated once they are large. SQLite's cost of
// writing a row grows with its bytes (overflow pages, WAL frames): a 1,000-node run writes ~500 KB of
// JSON, which level-1 deflate shrinks ~10× in less time than SQLite takes to write the difference.
// Small rows stay plain text, where deflating costs more than it saves. A compressed value is a BLOB,
// so a column's type says how to read it and rows written before this need no migration.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** JSON of this many characters or more is stored deflated. */
export const DEFLATE_FROM = 8192;

/** Inflating stops past this: a damaged row fails to read instead of filling memory. */
const MAX_INFLATED_BYTES = 1 << 30;

/** Up to this size a value's UTF-8 is encoded into one reused buffer, not a fresh one per row. */
const SCRATCH_MAX_BYTES = 16 << 20;
let scratch = Buffer.alloc(0);

export function toStored(json: string): string | Buffer {
  if (json.length < DEFLATE_FROM) return json;
  return deflateRawSync(utf8Of(json), { level: 1 });
}

/**
 * The value's UTF-8 bytes, valid until the next call. Rows share one buffer: a fresh buffer of a few
 * hundred KB per row was a tenth of all memory a 1,000-node run allocates.
 */
function utf8Of(json: string): Buffer {
  const most = json.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (most > SCRATCH_MAX_BYTES) return Buffer.from(json);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  return scratch.subarray(0, scratch.write(json));
}

export function fromStored(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : inflateRawSync(value, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
}

export function parseStored<T = unknown>(value: string | Uint8Array): T {
  return JSON.parse(fromStored(value)) as T;
}
