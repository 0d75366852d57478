// The local 3D backend: inflate a 512² mask into Gaussians and write the PLY, beside a naive
// O(n·k) distance transform (every inside pixel against every boundary pixel) on the same mask; and
// the event loop's longest stall while lgm.3d's whole local job (decode a 4096² photo, inflate, PLY)
// runs on the CPU pool, beside the same job on the main thread.
import { closeCpuPool } from '../nodes/gpu/worker-pool';
import { loadSharp } from '../nodes/load-sharp';
import { distanceTransform } from '../nodes/threed/distance-transform';
import { inflate, type InflateInput } from '../nodes/threed/inflate';
import { inflateOnCpu } from '../nodes/threed/local-pool';
import { inflateObject, type ObjectJob } from '../nodes/threed/object-job';
import { maskBoundingBox } from '../model/placement';
import { writePly } from '../model/ply';
import { longestStall } from './stall';
import { median, printTable } from './table';

const SIZE = 512;

/** A figure-like silhouette (head, body and one arm) filling most of a size² image. */
function figureMask(size = SIZE): InflateInput {
  const mask = new Uint8Array(size * size);
  const rgba = new Uint8Array(size * size * 4);
  const k = size / 512;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [u, v] = [x / k, y / k];
      const head = (u - 256) ** 2 + (v - 110) ** 2 <= 70 ** 2;
      const body = ((u - 256) / 150) ** 2 + ((v - 340) / 160) ** 2 <= 1;
      const arm = u > 330 && u < 490 && Math.abs(v - 260 + (u - 330) * 0.3) < 22;
      const i = y * size + x;
      mask[i] = head || body || arm ? 255 : 0;
      rgba.set([u >> 1, v >> 1, 128, 255], i * 4);
    }
  }
  return { rgba, mask, width: size, height: size, bbox: maskBoundingBox(mask, size, size)! };
}

/** The figure as an RGBA PNG whose alpha is the mask: lgm.3d's input without a mask connected. */
async function figurePng(size: number): Promise<Uint8Array> {
  const figure = figureMask(size);
  for (let i = 0; i < figure.mask.length; i++) figure.rgba[i * 4 + 3] = figure.mask[i];
  return (await loadSharp())(figure.rgba, { raw: { width: size, height: size, channels: 4 } }).png().toBuffer();
}

/** lgm.3d's local job on a 4096² photo: in the CPU pool, and (the baseline) on the main thread. */
async function stallsOfLocalJob(): Promise<{ pool: number[]; mainThread: number[] }> {
  const job: ObjectJob = { image: await figurePng(4096) };
  const signal = new AbortController().signal;
  const pool: number[] = [];
  const mainThread: number[] = [];
  try {
    await inflateOnCpu(job, signal); // warm-up: starts the pool's thread
    for (let round = 0; round < 3; round++) {
      pool.push(await longestStall(() => inflateOnCpu(job, signal)));
      mainThread.push(await longestStall(() => inflateObject(job)));
    }
  } finally {
    await closeCpuPool();
  }
  return { pool, mainThread };
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
  const stalls = await stallsOfLocalJob();

  printTable(`Local 3D (inflate) — ${SIZE}² mask, ${gaussians} Gaussians, ${(plyBytes / 1e6).toFixed(1)} MB PLY`, [
    { name: 'inflate + write PLY', value: inflateMs, unit: 'ms', baseline: { name: 'naive O(n·k) distance transform alone', value: naive }, target: '≤ 300 ms' },
    { name: 'exact distance transform (512²)', value: median(edtRuns.slice(1)), unit: 'ms', baseline: { name: 'naive O(n·k)', value: naive } },
    { name: 'write PLY alone', value: median(plyRuns), unit: 'ms' },
    { name: 'Gaussians', value: gaussians, unit: '', target: '≥ 20000' },
  ]);
  printTable('Event loop while lgm.3d runs locally on a 4096² photo (decode, inflate, PLY; longest stall, median of 3)', [
    { name: 'job on the CPU pool', value: median(stalls.pool), unit: 'ms', baseline: { name: 'same job on the main thread', value: median(stalls.mainThread) }, target: '< 50 ms' },
  ]);
  return { inflateMs512: inflateMs, inflateGaussians: gaussians, lgmStall4kMs: median(stalls.pool), lgmStall4kMainThreadMs: median(stalls.mainThread) };
}
