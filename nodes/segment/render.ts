// Encodes the chosen mask as the node's pictures: mask PNG, RGBA cutout and the overlay.
import { loadSharp } from '../load-sharp';
import type { PromptBox, PromptPoint, RgbImage } from './types';

/** Single-channel (greyscale) PNG at the mask's size: 255 = object. */
export async function encodeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(mask.buffer, mask.byteOffset, mask.length), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** RGBA PNG: the image's colours, alpha = mask. */
export async function encodeCutoutPng(image: RgbImage, mask: Uint8Array): Promise<Buffer> {
  const sharp = await loadSharp();
  const n = image.width * image.height;
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = image.data[i * 3];
    rgba[i * 4 + 1] = image.data[i * 3 + 1];
    rgba[i * 4 + 2] = image.data[i * 3 + 2];
    rgba[i * 4 + 3] = mask[i];
  }
  return sharp(rgba, { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer();
}


// The SAM notebooks' look: mask tinted dodger blue at 60 %, object clicks green, background clicks red, box green.
const TINT = [30, 144, 255];
const TINT_ALPHA = 0.6;
const OBJECT_COLOUR = [0, 200, 60];
const BACKGROUND_COLOUR = [230, 30, 30];

export async function encodeOverlayPng(image: RgbImage, mask: Uint8Array, points: PromptPoint[], box?: PromptBox): Promise<Buffer> {
  const sharp = await loadSharp();
  const { width, height } = image;
  const out = Buffer.from(image.data);
  for (let i = 0; i < width * height; i++) {
    if (!mask[i]) continue;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(out[i * 3 + c] * (1 - TINT_ALPHA) + TINT[c] * TINT_ALPHA);
  }
  const longSide = Math.max(width, height);
  if (box) {
    const thickness = Math.max(2, Math.round(longSide / 400));
    const [x0, y0, x1, y1] = box.map(Math.round);
    fillRect(out, width, height, x0, y0, x1, y0 + thickness, OBJECT_COLOUR);
    fillRect(out, width, height, x0, y1 - thickness, x1, y1, OBJECT_COLOUR);
    fillRect(out, width, height, x0, y0, x0 + thickness, y1, OBJECT_COLOUR);
    fillRect(out, width, height, x1 - thickness, y0, x1, y1, OBJECT_COLOUR);
  }
  const radius = Math.max(4, Math.round(longSide / 80));
  for (const p of points) {
    fillDisc(out, width, height, p.x, p.y, radius + Math.max(1, radius / 4), [255, 255, 255]);
    fillDisc(out, width, height, p.x, p.y, radius, p.label === 1 ? OBJECT_COLOUR : BACKGROUND_COLOUR);
  }
  return sharp(out, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

function fillRect(rgb: Buffer, width: number, height: number, x0: number, y0: number, x1: number, y1: number, colour: number[]): void {
  for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) rgb.set(colour, (y * width + x) * 3);
  }
}

function fillDisc(rgb: Buffer, width: number, height: number, cx: number, cy: number, r: number, colour: number[]): void {
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) rgb.set(colour, (y * width + x) * 3);
    }
  }
}
