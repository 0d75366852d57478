import { describe, expect, it } from 'vitest';
import { boxMean, guidedFilterRgb } from './guided-filter';

describe('guided filter', () => {
  it('box mean matches a direct window average, clamped at borders', () => {
    const src = Float32Array.from({ length: 35 }, (_, i) => (i * 7) % 11);
    const out = boxMean(src, 7, 5, 2);
    for (const [x, y] of [[0, 0], [3, 2], [6, 4], [1, 3]]) {
      let sum = 0, n = 0;
      for (let yy = Math.max(0, y - 2); yy <= Math.min(4, y + 2); yy++) for (let xx = Math.max(0, x - 2); xx <= Math.min(6, x + 2); xx++) {
        sum += src[yy * 7 + xx];
        n++;
      }
      expect(out[y * 7 + x]).toBeCloseTo(sum / n, 4);
    }
  });

  it('snaps a misplaced soft mask edge to the colour edge of the guide', () => {
    // Guide: red left of x = 40, blue from x = 40; the mask's edge is blurred around x = 36.
    const W = 80, H = 20;
    const guide = new Uint8Array(W * H * 3);
    const p = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      guide.set(x < 40 ? [200, 40, 30] : [30, 60, 210], (y * W + x) * 3);
      p[y * W + x] = Math.min(1, Math.max(0, (36 - x) / 8 + 0.5));
    }
    const q = guidedFilterRgb(guide, p, W, H, 8, 1e-3);
    const row = 10 * W;
    const before = [...p.subarray(row, row + W)].findIndex((v) => v < 0.5);
    const after = [...q.subarray(row, row + W)].findIndex((v) => v < 0.5);
    expect(before).toBe(37);
    expect(after).toBe(40);
  });
});
