// A run's flow, record and event batches are stored deflated once they are large. SQLite's cost of
// writing a row grows with its bytes (overflow pages, WAL frames): a 1,000-node run writes ~500 KB of
// JSON, which level-1 deflate shrinks ~10× in less time than SQLite takes to write the difference.
// Small rows stay plain text, where deflating costs more than it saves. A compressed value is a BLOB,
// so a column's type says how to read it and rows written before this need no migration.
import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { jsonPieces, jsonPiecesInTurns } from './json-pieces';

/** JSON of this many characters or more is stored deflated. */
export const DEFLATE_FROM = 8192;

/** Inflating stops past this: a damaged row fails to read instead of filling memory. */
export const MAX_INFLATED_BYTES = 1 << 30;

/** Up to this size a value's UTF-8 is encoded into one reused buffer, not a fresh one per row. */
const SCRATCH_MAX_BYTES = 16 << 20;
let scratch = Buffer.alloc(0);

/** The stored form of a value: its JSON text when short, else that text's UTF-8 deflated. */
export function storedJson(value: unknown): string | Buffer {
  return toStored(jsonPieces(value));
}

/** The stored form of JSON text, whole or as pieces (jsonPieces) to be written one after another. */
export function toStored(json: string | readonly string[]): string | Buffer {
  const pieces = typeof json === 'string' ? [json] : json;
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length < DEFLATE_FROM) return pieces.length === 1 ? pieces[0] : pieces.join('');
  return deflateRawSync(utf8Of(pieces, length), { level: 1 });
}

/**
 * The pieces' UTF-8 bytes, valid until the next call. Rows share one buffer: a fresh buffer of a few
 * hundred KB per row was a tenth of all memory a 1,000-node run allocated.
 */
function utf8Of(pieces: readonly string[], length: number): Buffer {
  const most = length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (most > SCRATCH_MAX_BYTES) return Buffer.from(pieces.join(''));
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(most, 2 * scratch.length)));
  let written = 0;
  for (const piece of pieces) written += scratch.write(piece, written);
  return scratch.subarray(0, written);
}

const deflateRawAsync = promisify(deflateRaw);

/**
 * storedJson for a value of many items (a 100,000-node run's record): serialised a slice per turn of
 * the event loop and deflated on libuv's threads, where storedJson held the loop for ~0.5 s.
 */
export async function storedJsonInTurns(value: unknown): Promise<string | Buffer> {
  const pieces = await jsonPiecesInTurns(value);
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length < DEFLATE_FROM) return pieces.join('');
  return deflateRawAsync(Buffer.from(pieces.join('')), { level: 1 });
}

export function fromStored(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : inflateRawSync(value, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
}

export function parseStored<T = unknown>(value: string | Uint8Array): T {
  return JSON.parse(fromStored(value)) as T;
}
