// The local 3D backend: inflate a 512² mask into Gaussians and write the PLY, beside a naive
// O(n·k) distance transform (every inside pixel against every boundary pixel) on the same mask.
import { distanceTransform } from '../nodes/threed/distance-transform';
import { inflate, type InflateInput } from '../nodes/threed/inflate';
import { maskBoundingBox } from '../model/placement';
import { writePly } from '../model/ply';
import { median, printTable } from './table';

const SIZE = 512;

/** A figure-like silhouette: head, body and one arm, filling most of a 512² image. */
function figureMask(): InflateInput {
  const mask = new Uint8Array(SIZE * SIZE);
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const head = (x - 256) ** 2 + (y - 110) ** 2 <= 70 ** 2;
      const body = ((x - 256) / 150) ** 2 + ((y - 340) / 160) ** 2 <= 1;
      const arm = x > 330 && x < 490 && Math.abs(y - 260 + (x - 330) * 0.3) < 22;
      const i = y * SIZE + x;
      mask[i] = head || body || arm ? 255 : 0;
      rgba.set([x >> 1, y >> 1, 128, 255], i * 4);
    }
  }
  return { rgba, mask, width: SIZE, height: SIZE, bbox: maskBoundingBox(mask, SIZE, SIZE)! };
}

function naiveDistanceTransform(inside: Uint8Array, w: number, h: number): Float32Array {
  const boundary: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (inside[i]) continue;
      const touches = (x > 0 && inside[i - 1]) || (x < w - 1 && inside[i + 1]) || (y > 0 && inside[i - w]) || (y < h - 1 && inside[i + w]);
      if (touches) boundary.push(x, y);
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside[y * w + x]) continue;
      let best = Infinity;
      for (let k = 0; k < boundary.length; k += 2) {
        const d = (x - boundary[k]) ** 2 + (y - boundary[k + 1]) ** 2;
        if (d < best) best = d;
      }
      out[y * w + x] = Math.sqrt(best);
    }
  }
  return out;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export async function bench(): Promise<Record<string, number>> {
  const input = figureMask();
  const inside = input.mask.map((v) => (v >= 128 ? 1 : 0));

  const inflateRuns: number[] = [];
  const plyRuns: number[] = [];
  const edtRuns: number[] = [];
  let gaussians = 0;
  let plyBytes = 0;
  for (let round = 0; round < 7; round++) {
    const inflated = time(() => inflate(input));
    const ply = time(() => writePly(inflated.value));
    edtRuns.push(time(() => distanceTransform(inside, SIZE, SIZE)).ms);
    if (round === 0) continue; // warm-up
    inflateRuns.push(inflated.ms + ply.ms);
    plyRuns.push(ply.ms);
    gaussians = inflated.value.count;
    plyBytes = ply.value.length;
  }
  const naive = time(() => naiveDistanceTransform(inside, SIZE, SIZE)).ms;
  const inflateMs = median(inflateRuns);

  printTable(`Local 3D (inflate) — ${SIZE}² mask, ${gaussians} Gaussians, ${(plyBytes / 1e6).toFixed(1)} MB PLY`, [
    { name: 'inflate + write PLY', value: inflateMs, unit: 'ms', baseline: { name: 'naive O(n·k) distance transform alone', value: naive }, target: '≤ 300 ms' },
    { name: 'exact distance transform (512²)', value: median(edtRuns.slice(1)), unit: 'ms', baseline: { name: 'naive O(n·k)', value: naive } },
    { name: 'write PLY alone', value: median(plyRuns), unit: 'ms' },
    { name: 'Gaussians', value: gaussians, unit: '', target: '≥ 20000' },
  ]);
  return { inflateMs512: inflateMs, inflateGaussians: gaussians };
}
