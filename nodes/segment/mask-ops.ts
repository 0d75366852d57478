// Small operations on one-byte-per-pixel masks (255 = object, 0 = background).

/** Labels 4-connected regions of pixels equal to `value`; returns labels (0 = not that value, 1.. = region) and areas. */
export function labelRegions(mask: Uint8Array, width: number, height: number, value: number): { labels: Int32Array; areas: number[] } {
  const labels = new Int32Array(width * height);
  const areas: number[] = [0];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== value || labels[start] !== 0) continue;
    const id = areas.length;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const i = stack[--top];
      area++;
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i >= width ? i - width : -1, i + width < mask.length ? i + width : -1];
      for (const j of neighbours) {
        if (j >= 0 && labels[j] === 0 && mask[j] === value) {
          labels[j] = id;
          stack[top++] = j;
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

/**
 * Keeps the object regions that contain an object point; with no object points (box prompt), the
 * largest region and any region at least a tenth of its size. Works in place.
 */
export function keepPromptedComponents(mask: Uint8Array, width: number, height: number, seeds: Array<{ x: number; y: number }>): void {
  const { labels, areas } = labelRegions(mask, width, height, 255);
  if (areas.length <= 2) return;
  const keep = new Set<number>();
  for (const s of seeds) {
    const x = Math.min(width - 1, Math.max(0, Math.round(s.x)));
    const y = Math.min(height - 1, Math.max(0, Math.round(s.y)));
    const id = labels[y * width + x];
    if (id > 0) keep.add(id);
  }
  if (keep.size === 0) {
    const largest = Math.max(...areas.slice(1));
    areas.forEach((area, id) => id > 0 && area >= largest / 10 && keep.add(id));
  }
  for (let i = 0; i < mask.length; i++) if (labels[i] > 0 && !keep.has(labels[i])) mask[i] = 0;
}

/** Fills background regions enclosed by the object and smaller than `fraction` of the object's area. In place. */
export function fillSmallHoles(mask: Uint8Array, width: number, height: number, fraction: number): void {
  let objectArea = 0;
  for (const v of mask) if (v) objectArea++;
  const { labels, areas } = labelRegions(mask, width, height, 0);
  const touchesBorder = new Set<number>();
  for (let x = 0; x < width; x++) touchesBorder.add(labels[x]).add(labels[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) touchesBorder.add(labels[y * width]).add(labels[y * width + width - 1]);
  for (let i = 0; i < mask.length; i++) {
    const id = labels[i];
    if (id > 0 && !touchesBorder.has(id) && areas[id] < fraction * objectArea) mask[i] = 255;
  }
}

/** Bilinear resampling (pixel centres aligned) of one-channel values, multiplied by `gain` (1/255: bytes → 0..1). */
export function resizeBilinear(src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number, gain = 1): Float32Array {
  const out = new Float32Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  const xs0 = new Int32Array(dw);
  const xs1 = new Int32Array(dw);
  const wx = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    const sxf = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
    xs0[x] = Math.floor(sxf);
    xs1[x] = Math.min(sw - 1, xs0[x] + 1);
    wx[x] = sxf - xs0[x];
  }
  for (let y = 0; y < dh; y++) {
    const syf = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(syf);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = syf - y0;
    const r0 = y0 * sw;
    const r1 = y1 * sw;
    for (let x = 0; x < dw; x++) {
      const top = src[r0 + xs0[x]] + (src[r0 + xs1[x]] - src[r0 + xs0[x]]) * wx[x];
      const bottom = src[r1 + xs0[x]] + (src[r1 + xs1[x]] - src[r1 + xs0[x]]) * wx[x];
      out[y * dw + x] = (top + (bottom - top) * wy) * gain;
    }
  }
  return out;
}

export type BBox = {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The tight box around the object pixels; {0,0,0,0} for an empty mask. */
export function maskBBox(mask: Uint8Array, width: number, height: number): BBox {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Intersection over union of two masks of the same size. */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i] > 127;
    const pb = b[i] > 127;
    if (pa && pb) inter++;
    if (pa || pb) union++;
  }
  return union === 0 ? 1 : inter / union;
}
