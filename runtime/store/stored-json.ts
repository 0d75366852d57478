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

export function toStored(json: string): string | Buffer {
  return json.length < DEFLATE_FROM ? json : deflateRawSync(json, { level: 1 });
}

export function fromStored(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : inflateRawSync(value, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
}

export function parseStored<T = unknown>(value: string | Uint8Array): T {
  return JSON.parse(fromStored(value)) as T;
}
