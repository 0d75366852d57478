// The local CPU "inflate" backend: lifts a masked object into a closed Gaussian-splat volume.
//
// distance transform of the mask → per-pixel radius of the widest inscribed disc → a circular
// height profile h = sqrt(d·(2R − d)) (a disc becomes a sphere, a bar a cylinder) → one Gaussian
// per working pixel on the front (+z) and back (−z) surfaces, coloured from the image (the back
// darkened), plus Gaussians stacked down every steep step and the rim so the surface is closed.
// The result is placed in LGM's frame (see placement.ts) so one viewer and one overlay serve both backends.
import { distanceTransform, localThickness } from './distance-transform';
import { allocateGaussians, type Gaussians } from '../../model/ply';
import { LGM_OBJECT_EXTENT, type PixelBox } from '../../model/placement';

export interface InflateInput {
  /** Source pixels, RGBA, row-major. */
  rgba: Uint8Array;
  /** Source mask, one byte per pixel, ≥ 128 = object. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** The object's bounding box in source pixels (from maskBoundingBox). */
  bbox: PixelBox;
}

export interface InflateOptions {
  /** Mask pixels per surface after resampling: sets the Gaussian count (≈ 2–2.5× this). */
  workingArea?: number;
}

/** Names the inflate backend's results in cache keys: bump when they change. */
export const INFLATE_ALGORITHM = 'inflate@1';

const DEFAULT_WORKING_AREA = 16_000;
const BACK_SHADE = 0.7;
const WALL_SHADE = 0.9;
const OPACITY = 0.95;
/** Gaussian standard deviation in working pixels: neighbours overlap, so no holes show. */
const SIGMA = 0.6;

export function inflate(input: InflateInput, options: InflateOptions = {}): Gaussians {
  const { bbox } = input;
  const area = countInside(input);
  if (area === 0) throw new Error('inflate: the mask is empty inside its bounding box');
  const k = Math.min(4, Math.max(1 / 64, Math.sqrt((options.workingArea ?? DEFAULT_WORKING_AREA) / area)));
  const W = Math.max(1, Math.round(bbox.width * k));
  const H = Math.max(1, Math.round(bbox.height * k));
  const { inside, rgb } = resample(input, W, H);

  const dist = distanceTransform(inside, W, H);
  const radius = localThickness(dist, W, H);
  const height = new Float32Array(W * H);
  for (let i = 0; i < height.length; i++) {
    if (!inside[i]) continue;
    // distances are between pixel centres; the boundary lies half a pixel out
    const d = dist[i] - 0.5;
    const r = radius[i] - 0.5;
    height[i] = Math.sqrt(Math.max(0, d * (2 * r - d)));
  }

  // Wall Gaussians per pixel: fill down to the lowest 4-neighbour (outside counts as 0).
  const floor = new Float32Array(W * H);
  let count = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!inside[i]) continue;
      const low = Math.min(
        x > 0 ? height[i - 1] : 0,
        x < W - 1 ? height[i + 1] : 0,
        y > 0 ? height[i - W] : 0,
        y < H - 1 ? height[i + W] : 0,
      );
      floor[i] = low;
      count += 2 * (1 + wallSteps(height[i], low)) + (low === 0 ? 1 : 0);
    }
  }

  const g = allocateGaussians(count);
  const unitsPerSourcePx = LGM_OBJECT_EXTENT / Math.max(bbox.width, bbox.height);
  const kx = W / bbox.width;
  const ky = H / bbox.height;
  const unitsPerWorkingPx = unitsPerSourcePx / ((kx + ky) / 2);
  const sigma = SIGMA * unitsPerWorkingPx;
  let n = 0;
  const emit = (X: number, Y: number, Z: number, i: number, shade: number) => {
    const n3 = n * 3;
    g.positions[n3] = X;
    g.positions[n3 + 1] = Y;
    g.positions[n3 + 2] = Z;
    g.colors[n3] = rgb[i * 3] * shade;
    g.colors[n3 + 1] = rgb[i * 3 + 1] * shade;
    g.colors[n3 + 2] = rgb[i * 3 + 2] * shade;
    g.opacities[n] = OPACITY;
    g.scales[n3] = sigma;
    g.scales[n3 + 1] = sigma;
    g.scales[n3 + 2] = sigma;
    g.rotations[n * 4] = 1;
    n++;
  };
  for (let y = 0; y < H; y++) {
    const Y = -((y + 0.5) / ky - bbox.height / 2) * unitsPerSourcePx;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!inside[i]) continue;
      const X = ((x + 0.5) / kx - bbox.width / 2) * unitsPerSourcePx;
      const h = height[i];
      const low = floor[i];
      emit(X, Y, h * unitsPerWorkingPx, i, 1);
      emit(X, Y, -h * unitsPerWorkingPx, i, BACK_SHADE);
      const steps = wallSteps(h, low);
      for (let j = 1; j <= steps; j++) {
        const z = (h - ((h - low) * j) / (steps + 1)) * unitsPerWorkingPx;
        emit(X, Y, z, i, WALL_SHADE);
        emit(X, Y, -z, i, WALL_SHADE * BACK_SHADE);
      }
      if (low === 0) emit(X, Y, 0, i, (1 + BACK_SHADE) / 2);
    }
  }
  return g;
}

/** Extra Gaussians that keep the spacing below one working pixel from height h down to low. */
function wallSteps(h: number, low: number): number {
  const drop = h - low;
  return drop > 1 ? Math.ceil(drop) - 1 : 0;
}

function countInside({ mask, width, bbox }: InflateInput): number {
  let area = 0;
  for (let y = bbox.y; y < bbox.y + bbox.height; y++) {
    for (let x = bbox.x, i = y * width + x; x < bbox.x + bbox.width; x++, i++) if (mask[i] >= 128) area++;
  }
  return area;
}

/**
 * Box-filters the bbox crop down (or picks nearest pixels up) to W×H. Colours are weighted by the
 * mask so the background does not bleed into the rim.
 */
function resample({ rgba, mask, width, bbox }: InflateInput, W: number, H: number) {
  const inside = new Uint8Array(W * H);
  const rgb = new Float32Array(W * H * 3);
  const span = (t: number, n: number, size: number) => {
    const a = Math.min(size - 1, Math.floor((t * size) / n));
    return [a, Math.max(a + 1, Math.min(size, Math.floor(((t + 1) * size) / n)))];
  };
  const xs = Array.from({ length: W }, (_, t) => span(t, W, bbox.width));
  for (let ty = 0; ty < H; ty++) {
    const [y0, y1] = span(ty, H, bbox.height);
    for (let tx = 0; tx < W; tx++) {
      const [x0, x1] = xs[tx];
      let m = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      let plain = 0;
      for (let y = y0; y < y1; y++) {
        let i = (bbox.y + y) * width + bbox.x + x0;
        for (let x = x0; x < x1; x++, i++) {
          const w = mask[i];
          m += w;
          r += rgba[i * 4] * w;
          g += rgba[i * 4 + 1] * w;
          b += rgba[i * 4 + 2] * w;
          plain++;
        }
      }
      const o = ty * W + tx;
      inside[o] = m >= 127.5 * plain ? 1 : 0;
      if (m > 0) {
        rgb[o * 3] = r / m / 255;
        rgb[o * 3 + 1] = g / m / 255;
        rgb[o * 3 + 2] = b / m / 255;
      }
    }
  }
  return { inside, rgb };
}
