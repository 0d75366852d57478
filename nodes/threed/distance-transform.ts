// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, two separable 1-D passes, O(n))
// and a cheap "local thickness": the radius of the largest inscribed disc that reaches each pixel.

/**
 * Distance from each inside pixel's centre to the nearest outside pixel's centre (0 outside).
 * Everything beyond the grid counts as outside.
 */
export function distanceTransform(inside: Uint8Array, width: number, height: number): Float32Array {
  // Pad by one pixel so the grid border behaves as outside.
  const w = width + 2;
  const h = height + 2;
  const INF = 1e20;
  const f = new Float64Array(w * h).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (inside[y * width + x]) f[(y + 1) * w + x + 1] = INF;
  }
  const n = Math.max(w, h);
  const line = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) line[y] = f[y * w + x];
    squaredDistance1d(line, h, out, v, z);
    for (let y = 0; y < h; y++) f[y * w + x] = out[y];
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) line[x] = f[row + x];
    squaredDistance1d(line, w, out, v, z);
    for (let x = 0; x < w; x++) f[row + x] = out[x];
  }
  const result = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) result[y * width + x] = Math.sqrt(f[(y + 1) * w + x + 1]);
  }
  return result;
}

/** Lower envelope of parabolas rooted at (q, f[q]). */
function squaredDistance1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  const intersect = (q: number, p: number) => (f[q] + q * q - (f[p] + p * p)) / (2 * q - 2 * p);
  for (let q = 1; q < n; q++) {
    let s = intersect(q, v[k]);
    // z[0] is -Infinity, so this stops at k = 0
    while (s <= z[k]) s = intersect(q, v[--k]);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const p = v[k];
    d[q] = (q - p) * (q - p) + f[p];
  }
}

/**
 * For each inside pixel, the largest distance value d(m) of a pixel m with |p − m| < d(m):
 * the radius of the widest inscribed disc covering p. Two raster sweeps propagate the disc
 * centre itself (vector propagation), so distances are Euclidean; it can miss a disc that
 * only reaches p around a concave corner, which the height profile tolerates.
 */
export function localThickness(distance: Float32Array, width: number, height: number): Float32Array {
  const radius = Float32Array.from(distance);
  const centre = new Int32Array(width * height);
  for (let i = 0; i < centre.length; i++) centre[i] = i;
  const relax = (i: number, x: number, y: number, j: number) => {
    const m = centre[j];
    const r = distance[m];
    if (r <= radius[i]) return;
    const dx = x - (m % width);
    const dy = y - ((m / width) | 0);
    if (dx * dx + dy * dy < r * r) {
      radius[i] = r;
      centre[i] = m;
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (distance[i] === 0) continue;
      if (x > 0) relax(i, x, y, i - 1);
      if (y > 0) {
        relax(i, x, y, i - width);
        if (x > 0) relax(i, x, y, i - width - 1);
        if (x < width - 1) relax(i, x, y, i - width + 1);
      }
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (distance[i] === 0) continue;
      if (x < width - 1) relax(i, x, y, i + 1);
      if (y < height - 1) {
        relax(i, x, y, i + width);
        if (x < width - 1) relax(i, x, y, i + width + 1);
        if (x > 0) relax(i, x, y, i + width - 1);
      }
    }
  }
  return radius;
}
