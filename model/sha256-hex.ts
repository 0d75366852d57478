// SHA-256 of large bytes (an artifact, an image sent to a GPU service) without holding the event
// loop: a 50 MB output hashed in one call held it ~120 ms (WebCrypto's digest is no way out: it
// copies its input on the calling thread first, which took longer).
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Hashed in one go below this; above it, in slices of this size with a turn of the loop between. */
export const HASH_SLICE_BYTES = 1 << 20;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let start = 0; start < bytes.length; start += HASH_SLICE_BYTES) {
    if (start > 0) await nextTurn();
    hash.update(bytes.subarray(start, start + HASH_SLICE_BYTES));
  }
  return hash.digest('hex');
}
