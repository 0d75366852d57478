// The local CPU backend: GrabCut (OpenCV.js) on a bounded working resolution, initialised from the
// box/points, then the upscaled mask is snapped to the full-resolution edges with a guided filter.
// Cost is bounded by construction (fixed working size and iteration count), which also keeps the
// result a pure function of image + prompt: no wall-clock cut-offs, and OpenCV's RNG is reseeded.
import { guidedFilterRgb } from './guided-filter';
import { fillSmallHoles, keepPromptedComponents, maskBBox, resizeBilinear } from './mask-ops';
import { loadOpenCv, type Cv } from './opencv';
import { SALIENCY_METHOD, saliencyLabels } from './saliency';
import type { MaskCandidate, PromptBox, PromptPoint, RgbImage, SegmentPrompt, SegmentResult } from './types';

export interface LocalSegmentOptions {
  /** Long side of the GrabCut working image; Infinity = full resolution (the plain-GrabCut baseline). */
  workingSize?: number;
  iterations?: number;
  /** Guided-filter edge refinement at full resolution. */
  refine?: boolean;
  signal?: AbortSignal;
}

export const LOCAL_DEFAULTS = { workingSize: 320, iterations: 3, refine: true } as const;
/** Names the local backend's results in cache keys: bump when they change. */
export const LOCAL_ALGORITHM = 'grabcut-guided@2';

const MULTIMASK_THRESHOLDS = [0.5, 0.35, 0.65];
/** Seed discs for click-only prompts, as fractions of the working long side. */
const SEED_RADII = [0.07, 0.12, 0.18];
const REFINE_MAX_SIDE = 2048;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function segmentLocally(image: RgbImage, prompt: SegmentPrompt, options: LocalSegmentOptions = {}): Promise<SegmentResult> {
  const workingSize = options.workingSize ?? LOCAL_DEFAULTS.workingSize;
  const iterations = options.iterations ?? LOCAL_DEFAULTS.iterations;
  const refine = options.refine ?? LOCAL_DEFAULTS.refine;
  const cv = await loadOpenCv();
  const started = performance.now();
  const roi = regionOfInterest(image, prompt);
  const roiRgb = cropRgb(image, roi);
  const work = workImage(cv, roiRgb, roi, workingSize);

  // Clicks alone do not say how big the object is: segment from small, medium and large seed discs
  // and keep the result whose boundary sits most decisively on image edges (multimask: all three).
  // No prompt at all: one hypothesis seeded by a saliency estimate.
  let salient: { method: string; seedArea: number } | undefined;
  const seedFor = (seedRadius: number | undefined) => {
    if (!prompt.salient) return initialLabels(cv, roi, work, prompt, { sx: work.width / roi.width, sy: work.height / roi.height }, seedRadius ?? SEED_RADII[0]);
    const { labels, seedArea } = saliencyLabels(work.rgb, work.width, work.height, { BGD: cv.GC_BGD, PR_BGD: cv.GC_PR_BGD, PR_FGD: cv.GC_PR_FGD });
    salient = { method: SALIENCY_METHOD, seedArea };
    return labels;
  };
  const hypotheses = (prompt.box || prompt.salient ? [undefined] : SEED_RADII).map((seedRadius) =>
    grabCutAt(cv, work, roi, prompt, seedFor(seedRadius), iterations, options.signal),
  );
  const grabCutMs = performance.now() - started;
  let chosen = hypotheses;
  let seedScores: number[] | undefined;
  if (hypotheses.length > 1) {
    seedScores = hypotheses.map((h) => {
      const alpha = guidedFilterRgb(h.rgb, Float32Array.from(h.fg, (v) => v / 255), h.width, h.height, 2, 1e-3);
      return edgeDecisiveness(alpha, h.width, h.height, 0.5);
    });
    if (!prompt.multimask) chosen = [hypotheses[seedScores.indexOf(Math.max(...seedScores))]];
  }

  // Edges are refined at the source resolution, or at most REFINE_MAX_SIDE (memory stays bounded
  // for huge photos), then resampled to the source.
  const frame = fitLongSide(roi, REFINE_MAX_SIDE);
  const sameFrame = frame.width === roi.width && frame.height === roi.height;
  const frameRgb = sameFrame ? roiRgb : resizeRgb(cv, roiRgb, roi, frame);
  const alphas = chosen.map((result) => {
    let alpha = resizeBilinear(result.fg, result.width, result.height, frame.width, frame.height, 1 / 255);
    if (refine && (result.width < frame.width || result.height < frame.height)) {
      options.signal?.throwIfAborted();
      alpha = refineEdges(frameRgb, alpha, frame, result);
    }
    return sameFrame ? alpha : resizeBilinear(alpha, frame.width, frame.height, roi.width, roi.height);
  });

  // With a box there is one segmentation; multimask offers it at a looser and a tighter threshold.
  const variants =
    alphas.length > 1
      ? alphas.map((alpha) => ({ alpha, threshold: 0.5 }))
      : (prompt.multimask ? MULTIMASK_THRESHOLDS : MULTIMASK_THRESHOLDS.slice(0, 1)).map((threshold) => ({ alpha: alphas[0], threshold }));
  const candidates: MaskCandidate[] = variants.map(({ alpha, threshold }) => {
    const mask = new Uint8Array(image.width * image.height);
    for (let y = 0; y < roi.height; y++) {
      const src = y * roi.width;
      const dst = (y + roi.y) * image.width + roi.x;
      for (let x = 0; x < roi.width; x++) if (alpha[src + x] >= threshold) mask[dst + x] = 255;
    }
    return { mask, score: edgeDecisiveness(alpha, roi.width, roi.height, threshold) };
  });
  const downscaled = work.width < roi.width || work.height < roi.height;
  return {
    candidates,
    meta: {
      backend: 'local',
      method: refine && downscaled ? 'grabcut+guided-filter' : 'grabcut',
      workingSize: `${work.width}x${work.height}`,
      iterations,
      ...(seedScores ? { seedRadii: SEED_RADII, seedScores } : {}),
      ...(salient ? { prompt: 'salient', salient } : {}),
      grabCutMs: Math.round(grabCutMs),
      ms: Math.round(performance.now() - started),
    },
  };
}

/**
 * Snaps the upscaled mask to full-resolution colour edges with a guided filter (radius ≈ 1.5 working
 * pixels, the upscaling's uncertainty), only over the mask's box plus a margin: elsewhere it is 0.
 */
function refineEdges(roiRgb: Uint8Array, upscaled: Float32Array, roi: { width: number; height: number }, work: GrabCutResult): Float32Array {
  const box = maskBBox(work.fg, work.width, work.height);
  if (box.width === 0) return upscaled;
  const radius = Math.max(2, Math.round((1.5 * roi.width) / work.width));
  const fx = roi.width / work.width;
  const fy = roi.height / work.height;
  const x0 = Math.max(0, Math.floor(box.x * fx) - 3 * radius);
  const y0 = Math.max(0, Math.floor(box.y * fy) - 3 * radius);
  const x1 = Math.min(roi.width, Math.ceil((box.x + box.width) * fx) + 3 * radius);
  const y1 = Math.min(roi.height, Math.ceil((box.y + box.height) * fy) + 3 * radius);
  const w = x1 - x0;
  const h = y1 - y0;
  const rgb = new Uint8Array(w * h * 3);
  const p = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const src = (y + y0) * roi.width + x0;
    rgb.set(roiRgb.subarray(src * 3, (src + w) * 3), y * w * 3);
    p.set(upscaled.subarray(src, src + w), y * w);
  }
  const q = guidedFilterRgb(rgb, p, w, h, radius, 1e-3);
  const out = new Float32Array(roi.width * roi.height);
  for (let y = 0; y < h; y++) out.set(q.subarray(y * w, (y + 1) * w), (y + y0) * roi.width + x0);
  return out;
}

function fitLongSide(size: { width: number; height: number }, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(size.width, size.height));
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

function resizeRgb(cv: Cv, rgb: Uint8Array, from: { width: number; height: number }, to: { width: number; height: number }): Uint8Array {
  const src = new cv.Mat(from.height, from.width, cv.CV_8UC3);
  const dst = new cv.Mat();
  try {
    src.data.set(rgb);
    cv.resize(src, dst, new cv.Size(to.width, to.height), 0, 0, cv.INTER_AREA);
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
  }
}

interface GrabCutResult extends WorkImage {
  /** Object pixels at the working size after clean-up (255 = object). */
  fg: Uint8Array;
}

/** GrabCut on the region scaled to `size` long side, then SAM-like clean-up at that size. */
/** The box grown by a margin (GrabCut needs background around the object), or the whole image for points only. */
export function regionOfInterest(image: { width: number; height: number }, prompt: { box?: PromptBox }): Rect {
  if (!prompt.box) return { x: 0, y: 0, width: image.width, height: image.height };
  const [x0, y0, x1, y1] = prompt.box;
  const margin = Math.max(8, 0.1 * Math.max(x1 - x0, y1 - y0));
  const left = Math.max(0, Math.floor(Math.min(x0, x1) - margin));
  const top = Math.max(0, Math.floor(Math.min(y0, y1) - margin));
  const right = Math.min(image.width, Math.ceil(Math.max(x0, x1) + margin));
  const bottom = Math.min(image.height, Math.ceil(Math.max(y0, y1) + margin));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

interface WorkImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** The region scaled (once) so its long side is at most `size`. */
function workImage(cv: Cv, roiRgb: Uint8Array, roi: Rect, size: number): WorkImage {
  const scale = Math.min(1, size / Math.max(roi.width, roi.height));
  const work = { width: Math.max(8, Math.round(roi.width * scale)), height: Math.max(8, Math.round(roi.height * scale)) };
  if (work.width === roi.width && work.height === roi.height) return { rgb: roiRgb, ...work };
  return { rgb: resizeRgb(cv, roiRgb, roi, work), ...work };
}

/** GrabCut on the working image, then SAM-like clean-up at that size. */
function grabCutAt(
  cv: Cv,
  work: WorkImage,
  roi: Rect,
  prompt: SegmentPrompt,
  labels: Uint8Array,
  iterations: number,
  signal: AbortSignal | undefined,
): GrabCutResult {
  const s = { sx: work.width / roi.width, sy: work.height / roi.height };
  const fg = runGrabCut(cv, work, labels, iterations, signal);
  // Keep "the object you clicked": drop blobs not connected to an object click (or, with a box only,
  // much smaller than the main blob), and fill pinholes.
  const seeds = prompt.points.filter((p) => p.label === 1).map((p) => ({ x: (p.x - roi.x) * s.sx, y: (p.y - roi.y) * s.sy }));
  keepPromptedComponents(fg, work.width, work.height, seeds);
  fillSmallHoles(fg, work.width, work.height, 0.01);
  return { fg, ...work };
}

/** Returns GrabCut's object pixels at the working size (255 = object). OpenCV's RNG is reseeded: same input, same answer. */
function runGrabCut(cv: Cv, work: WorkImage, labels: Uint8Array, iterations: number, signal: AbortSignal | undefined): Uint8Array {
  const mats: Array<{ delete(): void }> = [];
  const track = <T extends { delete(): void }>(mat: T): T => (mats.push(mat), mat);
  try {
    const img = track(new cv.Mat(work.height, work.width, cv.CV_8UC3));
    img.data.set(work.rgb);
    const mask = track(new cv.Mat(work.height, work.width, cv.CV_8UC1));
    mask.data.set(labels);
    const bgd = track(new cv.Mat());
    const fgd = track(new cv.Mat());
    const rect = new cv.Rect(0, 0, work.width, work.height);
    cv.setRNGSeed(0x5a3e);
    for (let i = 0; i < iterations; i++) {
      signal?.throwIfAborted();
      try {
        cv.grabCut(img, mask, rect, bgd, fgd, 1, i === 0 ? cv.GC_INIT_WITH_MASK : cv.GC_EVAL);
      } catch (error) {
        // OpenCV.js throws C++ exceptions as bare pointers.
        const detail = typeof error === 'number' ? (cv as unknown as { exceptionFromPtr(p: number): { msg: string } }).exceptionFromPtr(error).msg : String(error);
        throw new Error(`local segmentation (GrabCut) failed: ${detail}`, { cause: error });
      }
    }
    // One view of the labels: OpenCV.js's `data` getter makes a new typed array on every access
    // (two a pixel in this loop: ~200k short-lived objects, and the garbage collections they cause).
    const result = mask.data;
    const sure = cv.GC_FGD;
    const probable = cv.GC_PR_FGD;
    const out = new Uint8Array(result.length);
    for (let i = 0; i < out.length; i++) out[i] = result[i] === sure || result[i] === probable ? 255 : 0;
    return out;
  } finally {
    for (const mat of mats) mat.delete();
  }
}

/**
 * GrabCut's starting labels. With a box: outside = sure background, inside = probably object. With
 * points only: everything probably background except a disc (seedRadius × the long side) around each
 * object point, so the colour models start from what was clicked. Clicks themselves are hard constraints.
 */
function initialLabels(
  cv: Cv,
  roi: Rect,
  work: { width: number; height: number },
  prompt: SegmentPrompt,
  s: { sx: number; sy: number },
  seedRadius: number,
): Uint8Array {
  const { width, height } = work;
  const labels = new Uint8Array(width * height);
  const toWork = (p: { x: number; y: number }) => ({ x: (p.x - roi.x) * s.sx, y: (p.y - roi.y) * s.sy });
  const longSide = Math.max(width, height);
  if (prompt.box) {
    labels.fill(cv.GC_BGD);
    const a = toWork({ x: Math.min(prompt.box[0], prompt.box[2]), y: Math.min(prompt.box[1], prompt.box[3]) });
    const b = toWork({ x: Math.max(prompt.box[0], prompt.box[2]), y: Math.max(prompt.box[1], prompt.box[3]) });
    for (let y = Math.max(0, Math.floor(a.y)); y < Math.min(height, Math.ceil(b.y)); y++) {
      labels.fill(cv.GC_PR_FGD, y * width + Math.max(0, Math.floor(a.x)), y * width + Math.min(width, Math.ceil(b.x)));
    }
  } else {
    labels.fill(cv.GC_PR_BGD);
    for (const p of prompt.points) if (p.label === 1) paintDisc(labels, width, height, toWork(p), seedRadius * longSide, cv.GC_PR_FGD);
  }
  const hard = Math.max(1.5, 0.012 * longSide);
  for (const p of prompt.points) paintDisc(labels, width, height, toWork(p), hard, p.label === 1 ? cv.GC_FGD : cv.GC_BGD);
  return labels;
}

function paintDisc(labels: Uint8Array, width: number, height: number, c: { x: number; y: number }, radius: number, value: number): void {
  for (let y = Math.max(0, Math.floor(c.y - radius)); y <= Math.min(height - 1, Math.ceil(c.y + radius)); y++) {
    for (let x = Math.max(0, Math.floor(c.x - radius)); x <= Math.min(width - 1, Math.ceil(c.x + radius)); x++) {
      if ((x - c.x) ** 2 + (y - c.y) ** 2 <= radius * radius) labels[y * width + x] = value;
    }
  }
}

function cropRgb(image: RgbImage, roi: Rect): Uint8Array {
  if (roi.x === 0 && roi.y === 0 && roi.width === image.width && roi.height === image.height) return image.data;
  const out = new Uint8Array(roi.width * roi.height * 3);
  for (let y = 0; y < roi.height; y++) {
    const start = ((y + roi.y) * image.width + roi.x) * 3;
    out.set(image.data.subarray(start, start + roi.width * 3), y * roi.width * 3);
  }
  return out;
}

/**
 * The local backend's score: how decisive the soft mask is where it crosses the threshold — the mean
 * of |2α−1| over pixels within a few pixels of the boundary. 1 = crisp edges everywhere, lower = the
 * refinement was unsure. Not comparable with SAM2's predicted IoU, but orders candidates of one run.
 */
export function edgeDecisiveness(alpha: Float32Array, width: number, height: number, threshold: number): number {
  let sum = 0;
  let count = 0;
  const r = 2;
  for (let y = r; y < height - r; y++) {
    for (let x = r; x < width - r; x++) {
      const i = y * width + x;
      const inside = alpha[i] >= threshold;
      // A boundary pixel: a neighbour r pixels away lies on the other side.
      if ((alpha[i - r] >= threshold) !== inside || (alpha[i + r] >= threshold) !== inside || (alpha[i - r * width] >= threshold) !== inside || (alpha[i + r * width] >= threshold) !== inside) {
        sum += Math.min(1, Math.abs(2 * alpha[i] - 1));
        count++;
      }
    }
  }
  return count === 0 ? 0 : Math.round((sum / count) * 1000) / 1000;
}

export type { PromptPoint };
