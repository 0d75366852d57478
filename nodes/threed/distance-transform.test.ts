import { describe, expect, it } from 'vitest';
import { distanceTransform, localThickness } from './distance-transform';

function disc(size: number, cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) m[y * size + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : 0;
  return m;
}

/** O(n·k): every inside pixel against every outside pixel (and the padding ring). */
function bruteForce(inside: Uint8Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside[y * w + x]) continue;
      let best = Math.min(x + 1, y + 1, w - x, h - y) ** 2;
      for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) {
        if (!inside[yy * w + xx]) best = Math.min(best, (x - xx) ** 2 + (y - yy) ** 2);
      }
      out[y * w + x] = Math.sqrt(best);
    }
  }
  return out;
}

describe('distanceTransform', () => {
  it('matches the brute-force Euclidean distance on an irregular shape', () => {
    const w = 23;
    const h = 17;
    const inside = new Uint8Array(w * h);
    for (let i = 0; i < inside.length; i++) inside[i] = (i * 7919) % 11 < 8 || (i % w > 5 && i % w < 15) ? 1 : 0;
    const exact = bruteForce(inside, w, h);
    const fast = distanceTransform(inside, w, h);
    for (let i = 0; i < exact.length; i++) expect(fast[i]).toBeCloseTo(exact[i], 5);
  });

  it('treats the grid border as outside', () => {
    const inside = new Uint8Array(5 * 5).fill(1);
    const d = distanceTransform(inside, 5, 5);
    expect(d[2 * 5 + 2]).toBe(3);
    expect(d[0]).toBe(1);
  });
});

describe('localThickness', () => {
  it('gives every pixel of a disc about the disc radius', () => {
    const size = 61;
    const inside = disc(size, 30, 30, 25);
    const d = distanceTransform(inside, size, size);
    const t = localThickness(d, size, size);
    const max = Math.max(...d);
    for (let i = 0; i < inside.length; i++) {
      if (!inside[i]) expect(t[i]).toBe(0);
      else expect(t[i]).toBeGreaterThan(max - 2);
    }
  });

  it('keeps a thin bar attached to a disc thin away from the disc', () => {
    const w = 120;
    const h = 61;
    const inside = disc(61, 30, 30, 25);
    const shape = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) shape[y * w + x] = (x < 61 && inside[y * 61 + x]) || (x >= 50 && y >= 27 && y <= 33) ? 1 : 0;
    const t = localThickness(distanceTransform(shape, w, h), w, h);
    expect(t[30 * w + 100]).toBeLessThan(5);
    expect(t[30 * w + 30]).toBeGreaterThan(24);
  });
});
