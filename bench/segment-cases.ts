// Benchmark images with exactly known masks: a shape filled with real photo texture (cut from one
// fixture photo) composited onto a different real photo at 1024², so the ground truth is the shape
// itself. Shapes are rasterised at 4×4 supersampling; the composite uses the coverage as alpha (soft,
// anti-aliased edges like a real photo) and the ground truth is coverage ≥ 0.5.
import sharp, { type Sharp } from 'sharp';
import type { PromptBox, PromptPoint, RgbImage } from '../nodes/segment/types';

export interface SegmentCase {
  name: string;
  image: RgbImage;
  truth: Uint8Array;
  /** Drag-a-box prompt (the true box grown by a few pixels, as a user would draw) plus one click. */
  box: PromptBox;
  boxPoints: PromptPoint[];
  /** Click-only prompt: two object points. */
  points: PromptPoint[];
}

type Shape = (u: number, v: number) => boolean; // u, v in shape-local coordinates -1..1

const SHAPES: Record<string, Shape> = {
  ellipse: (u, v) => u * u + v * v <= 1,
  blob: (u, v) => {
    const r = Math.hypot(u, v);
    const t = Math.atan2(v, u);
    return r <= 0.78 * (1 + 0.18 * Math.cos(3 * t + 0.4) + 0.1 * Math.cos(5 * t + 1.3));
  },
  superellipse: (u, v) => Math.abs(u) ** 4 + Math.abs(v) ** 4 <= 1,
  star: (u, v) => {
    const r = Math.hypot(u, v);
    const t = Math.atan2(v, u);
    return r <= 0.62 * (1 + 0.32 * Math.cos(5 * t));
  },
};

interface Layout {
  shape: keyof typeof SHAPES;
  texture: 'astronaut.png' | 'chelsea.png';
  background: 'astronaut.png' | 'chelsea.png';
  /** Centre and half-sizes as fractions of the 1024 canvas. */
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  /** Where the texture is taken from, as fractions of the texture photo (left, top, width, height). */
  crop: [number, number, number, number];
}

const LAYOUTS: Layout[] = [
  { shape: 'ellipse', texture: 'chelsea.png', background: 'astronaut.png', cx: 0.5, cy: 0.55, rx: 0.26, ry: 0.2, crop: [0.25, 0.15, 0.45, 0.6] },
  { shape: 'blob', texture: 'astronaut.png', background: 'chelsea.png', cx: 0.42, cy: 0.5, rx: 0.3, ry: 0.3, crop: [0.35, 0.45, 0.4, 0.4] },
  { shape: 'superellipse', texture: 'chelsea.png', background: 'astronaut.png', cx: 0.6, cy: 0.4, rx: 0.22, ry: 0.3, crop: [0.05, 0.05, 0.4, 0.9] },
  { shape: 'star', texture: 'astronaut.png', background: 'chelsea.png', cx: 0.55, cy: 0.55, rx: 0.33, ry: 0.33, crop: [0.05, 0.3, 0.35, 0.45] },
  { shape: 'blob', texture: 'chelsea.png', background: 'astronaut.png', cx: 0.35, cy: 0.6, rx: 0.25, ry: 0.28, crop: [0.55, 0.3, 0.4, 0.6] },
  { shape: 'ellipse', texture: 'astronaut.png', background: 'chelsea.png', cx: 0.62, cy: 0.42, rx: 0.2, ry: 0.3, crop: [0.55, 0.05, 0.4, 0.5] },
];

export const CASE_METHOD =
  'ground truth: textured shapes (ellipse, blob, superellipse, star) filled with a crop of one fixture photo, ' +
  'composited with 4×4-supersampled soft edges onto the other fixture photo at 1024²; truth = coverage ≥ 0.5';

async function rgb(bytes: Buffer | Sharp, width: number, height: number): Promise<Uint8Array> {
  const pipeline = Buffer.isBuffer(bytes) ? sharp(bytes) : bytes;
  const { data } = await pipeline.removeAlpha().resize(width, height, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

export async function buildSegmentCases(readAsset: (name: string) => Promise<Buffer>, size = 1024): Promise<SegmentCase[]> {
  const cases: SegmentCase[] = [];
  for (const [index, layout] of LAYOUTS.entries()) {
    const bg = await rgb(await readAsset(layout.background), size, size);
    const tex = sharp(await readAsset(layout.texture));
    const meta = await tex.metadata();
    const [cl, ct, cw, ch] = layout.crop;
    const left = Math.round(cl * meta.width);
    const top = Math.round(ct * meta.height);
    const w = Math.round(cw * meta.width);
    const h = Math.round(ch * meta.height);
    const shapeW = Math.round(2 * layout.rx * size);
    const shapeH = Math.round(2 * layout.ry * size);
    const texture = await rgb(tex.extract({ left, top, width: w, height: h }), shapeW, shapeH);
    const x0 = Math.round(layout.cx * size - shapeW / 2);
    const y0 = Math.round(layout.cy * size - shapeH / 2);
    const inside = SHAPES[layout.shape];
    const image = new Uint8Array(bg);
    const truth = new Uint8Array(size * size);
    for (let y = 0; y < shapeH; y++) {
      for (let x = 0; x < shapeW; x++) {
        let covered = 0;
        for (let sy = 0; sy < 4; sy++) {
          for (let sx = 0; sx < 4; sx++) {
            const u = ((x + (sx + 0.5) / 4) / shapeW) * 2 - 1;
            const v = ((y + (sy + 0.5) / 4) / shapeH) * 2 - 1;
            if (inside(u, v)) covered++;
          }
        }
        if (covered === 0) continue;
        const a = covered / 16;
        const X = x0 + x;
        const Y = y0 + y;
        if (X < 0 || Y < 0 || X >= size || Y >= size) continue;
        const d = (Y * size + X) * 3;
        const t = (y * shapeW + x) * 3;
        for (let c = 0; c < 3; c++) image[d + c] = Math.round(a * texture[t + c] + (1 - a) * bg[d + c]);
        if (a >= 0.5) truth[Y * size + X] = 255;
      }
    }
    const box = truthBox(truth, size);
    const interior = interiorPoints(truth, size);
    cases.push({
      name: `${index + 1}-${layout.shape}-${layout.texture.replace('.png', '')}-on-${layout.background.replace('.png', '')}`,
      image: { data: image, width: size, height: size },
      truth,
      box: [box.x0 - 6, box.y0 - 5, box.x1 + 7, box.y1 + 4],
      boxPoints: [{ ...interior[0], label: 1 }],
      points: interior.map((p) => ({ ...p, label: 1 as const })),
    });
  }
  return cases;
}

function truthBox(mask: Uint8Array, size: number) {
  let x0 = size, y0 = size, x1 = 0, y1 = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % size;
    const y = (i - x) / size;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return { x0, y0, x1, y1 };
}

/** Two clicks a user would make: the most interior pixel, and the most interior one at least a quarter of the object away. */
function interiorPoints(mask: Uint8Array, size: number): Array<{ x: number; y: number }> {
  // Chessboard distance to the background by two passes.
  const d = new Int32Array(mask.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const i = y * size + x;
    if (!mask[i]) continue;
    d[i] = 1 + Math.min(x > 0 ? d[i - 1] : 0, y > 0 ? d[i - size] : 0, x > 0 && y > 0 ? d[i - size - 1] : 0, y > 0 && x < size - 1 ? d[i - size + 1] : 0);
  }
  for (let y = size - 1; y >= 0; y--) for (let x = size - 1; x >= 0; x--) {
    const i = y * size + x;
    if (!mask[i]) continue;
    d[i] = Math.min(d[i], 1 + Math.min(x < size - 1 ? d[i + 1] : 0, y < size - 1 ? d[i + size] : 0, x < size - 1 && y < size - 1 ? d[i + size + 1] : 0, y < size - 1 && x > 0 ? d[i + size - 1] : 0));
  }
  let best = 0;
  for (let i = 1; i < d.length; i++) if (d[i] > d[best]) best = i;
  const first = { x: best % size, y: Math.floor(best / size) };
  const reach = d[best];
  let second = -1;
  for (let i = 0; i < d.length; i++) {
    const x = i % size;
    const y = (i - x) / size;
    if (Math.hypot(x - first.x, y - first.y) >= reach && (second < 0 || d[i] > d[second])) second = i;
  }
  return [first, { x: second % size, y: Math.floor(second / size) }];
}
