// He et al.'s guided filter with a colour guide: edge-aware smoothing of a soft mask, so a mask
// upscaled from a coarse working resolution snaps to the colour edges of the full-resolution image.

/** Mean over a (2r+1)² window, clamped at the borders; O(width·height) whatever the radius. */
export function boxMean(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, width - 1); x++) sum += src[row + x];
    for (let x = 0; x < width; x++) {
      const lo = x - r;
      const hi = x + r;
      tmp[row + x] = sum / (Math.min(hi, width - 1) - Math.max(lo, 0) + 1);
      if (hi + 1 < width) sum += src[row + hi + 1];
      if (lo >= 0) sum -= src[row + lo];
    }
  }
  const colSum = new Float64Array(width);
  for (let y = 0; y <= Math.min(r, height - 1); y++) for (let x = 0; x < width; x++) colSum[x] += tmp[y * width + x];
  for (let y = 0; y < height; y++) {
    const count = Math.min(y + r, height - 1) - Math.max(y - r, 0) + 1;
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = colSum[x] / count;
    const add = y + r + 1;
    const sub = y - r;
    if (add < height) for (let x = 0; x < width; x++) colSum[x] += tmp[add * width + x];
    if (sub >= 0) for (let x = 0; x < width; x++) colSum[x] -= tmp[sub * width + x];
  }
  return out;
}

/**
 * Filters `p` (values in 0..1) guided by the RGB image `guide` (interleaved bytes), radius r, regulariser eps
 * (in units of intensity² with intensities in 0..1). Returns a new array.
 */
export function guidedFilterRgb(
  guide: Uint8Array,
  p: Float32Array,
  width: number,
  height: number,
  r: number,
  eps: number,
): Float32Array {
  const n = width * height;
  const I = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    I[0][i] = guide[i * 3] / 255;
    I[1][i] = guide[i * 3 + 1] / 255;
    I[2][i] = guide[i * 3 + 2] / 255;
  }
  const product = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
    return out;
  };
  const mean = (a: Float32Array) => boxMean(a, width, height, r);
  const mI = I.map(mean);
  const mP = mean(p);
  const mIp = I.map((c) => mean(product(c, p)));
  const vRR = mean(product(I[0], I[0]));
  const vRG = mean(product(I[0], I[1]));
  const vRB = mean(product(I[0], I[2]));
  const vGG = mean(product(I[1], I[1]));
  const vGB = mean(product(I[1], I[2]));
  const vBB = mean(product(I[2], I[2]));
  const a = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mr = mI[0][i];
    const mg = mI[1][i];
    const mb = mI[2][i];
    const mp = mP[i];
    const cr = mIp[0][i] - mr * mp;
    const cg = mIp[1][i] - mg * mp;
    const cb = mIp[2][i] - mb * mp;
    // Σ + eps·U, symmetric 3×3; solve a = (Σ + eps·U)⁻¹ · cov(I, p) by the adjugate.
    const s00 = vRR[i] - mr * mr + eps;
    const s01 = vRG[i] - mr * mg;
    const s02 = vRB[i] - mr * mb;
    const s11 = vGG[i] - mg * mg + eps;
    const s12 = vGB[i] - mg * mb;
    const s22 = vBB[i] - mb * mb + eps;
    const i00 = s11 * s22 - s12 * s12;
    const i01 = s02 * s12 - s01 * s22;
    const i02 = s01 * s12 - s02 * s11;
    const i11 = s00 * s22 - s02 * s02;
    const i12 = s02 * s01 - s00 * s12;
    const i22 = s00 * s11 - s01 * s01;
    const det = s00 * i00 + s01 * i01 + s02 * i02;
    const ar = (i00 * cr + i01 * cg + i02 * cb) / det;
    const ag = (i01 * cr + i11 * cg + i12 * cb) / det;
    const ab = (i02 * cr + i12 * cg + i22 * cb) / det;
    a[0][i] = ar;
    a[1][i] = ag;
    a[2][i] = ab;
    b[i] = mp - ar * mr - ag * mg - ab * mb;
  }
  const mA = a.map(mean);
  const mB = mean(b);
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = mA[0][i] * I[0][i] + mA[1][i] * I[1][i] + mA[2][i] * I[2][i] + mB[i];
  return q;
}
