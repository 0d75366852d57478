import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HASH_SLICE_BYTES, sha256Hex } from './sha256-hex';

describe('sha256Hex', () => {
  it('equals the one-shot SHA-256 at every size around the slice boundaries', async () => {
    const bytes = randomBytes(3 * HASH_SLICE_BYTES + 5);
    for (const size of [0, 1, HASH_SLICE_BYTES - 1, HASH_SLICE_BYTES, HASH_SLICE_BYTES + 1, 3 * HASH_SLICE_BYTES + 5]) {
      const part = bytes.subarray(0, size);
      expect(await sha256Hex(part)).toBe(createHash('sha256').update(part).digest('hex'));
    }
  });

  it('lets the event loop turn between slices of a large input', async () => {
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await sha256Hex(Buffer.alloc(8 * HASH_SLICE_BYTES, 1));
    done = true;
    expect(turns).toBeGreaterThanOrEqual(7);
  });
});
