// Tints a mask PNG for display over its image, and measures the mask's pixel bbox while at it.
import type { ScreenBox } from './overlay-math';

export interface TintedMask {
  canvas: HTMLCanvasElement;
  /** Bbox of pixels ≥ 128 in source pixels, or null for an empty mask. */
  bbox: ScreenBox | null;
}

export async function tintMask(url: string, rgb: [number, number, number], alpha = 120): Promise<TintedMask> {
  const img = new Image();
  img.crossOrigin = 'anonymous';
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const px = data.data;
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const i = (y * canvas.width + x) * 4;
      const on = px[i] >= 128;
      if (on) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
      px[i] = rgb[0];
      px[i + 1] = rgb[1];
      px[i + 2] = rgb[2];
      px[i + 3] = on ? alpha : 0;
    }
  }
  ctx.putImageData(data, 0, 0);
  return { canvas, bbox: x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } };
}
