// A saliency estimate for prompt-less segmentation on the CPU: how far each pixel's colour lies from
// the colours of the image border (the likely background), weighted towards the centre; thresholded
// (Otsu) it seeds GrabCut as "probably object", with the border as sure background.
import { NodeInputError } from '../api';

export interface SaliencyLabels {
  labels: Uint8Array;
  /** Share of the image seeded as probably object. */
  seedArea: number;
}

export const SALIENCY_METHOD = 'border-contrast+centre-prior';
/** A seed smaller than this share of the image is not an object that stands out. */
const MIN_SEED_AREA = 0.003;

export function saliencyLabels(
  rgb: Uint8Array,
  width: number,
  height: number,
  gc: { BGD: number; PR_BGD: number; PR_FGD: number },
): SaliencyLabels {
  const border = Math.max(1, Math.round(0.04 * Math.min(width, height)));
  const sides = sideMeans(rgb, width, height, border);
  const saliency = new Float32Array(width * height);
  const sx = 2 * (0.35 * width) ** 2;
  const sy = 2 * (0.35 * height) ** 2;
  let max = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let nearest = Infinity;
      for (const m of sides) {
        const d = (rgb[i * 3] - m[0]) ** 2 + (rgb[i * 3 + 1] - m[1]) ** 2 + (rgb[i * 3 + 2] - m[2]) ** 2;
        if (d < nearest) nearest = d;
      }
      const centre = Math.exp(-((x - width / 2) ** 2) / sx - (y - height / 2) ** 2 / sy);
      const s = Math.sqrt(nearest) * centre;
      saliency[i] = s;
      if (s > max) max = s;
    }
  }
  const threshold = max > 0 ? otsu(saliency, max) : Infinity;
  const labels = new Uint8Array(width * height).fill(gc.PR_BGD);
  let seeded = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x < border || y < border || x >= width - border || y >= height - border) labels[i] = gc.BGD;
      else if (saliency[i] >= threshold && max > 0) {
        labels[i] = gc.PR_FGD;
        seeded++;
      }
    }
  }
  const seedArea = seeded / (width * height);
  if (seedArea < MIN_SEED_AREA) {
    throw new NodeInputError('no object stands out from the background (the image is nearly uniform): give a point or a box', 'points');
  }
  return { labels, seedArea: Math.round(seedArea * 1000) / 1000 };
}

/** Mean colour of each border strip: top, bottom, left, right. */
function sideMeans(rgb: Uint8Array, width: number, height: number, border: number): number[][] {
  const strips = [
    { x0: 0, y0: 0, x1: width, y1: border },
    { x0: 0, y0: height - border, x1: width, y1: height },
    { x0: 0, y0: 0, x1: border, y1: height },
    { x0: width - border, y0: 0, x1: width, y1: height },
  ];
  return strips.map(({ x0, y0, x1, y1 }) => {
    const sum = [0, 0, 0];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum[c] += rgb[(y * width + x) * 3 + c];
    const n = Math.max(1, (x1 - x0) * (y1 - y0));
    return sum.map((v) => v / n);
  });
}

/** Otsu's threshold over a 64-bin histogram of values in 0..max. */
function otsu(values: Float32Array, max: number): number {
  const bins = 64;
  const hist = new Float64Array(bins);
  for (const v of values) hist[Math.min(bins - 1, Math.floor((v / max) * bins))]++;
  const total = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b];
  let weightBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let bestBin = bins / 2;
  for (let b = 0; b < bins; b++) {
    weightBelow += hist[b];
    if (weightBelow === 0) continue;
    const weightAbove = total - weightBelow;
    if (weightAbove === 0) break;
    sumBelow += b * hist[b];
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / weightAbove;
    const between = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (between > best) {
      best = between;
      bestBin = b + 1;
    }
  }
  return (bestBin / bins) * max;
}
