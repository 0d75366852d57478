// Small, distinct, real image files for fakes to return and tests to compare byte for byte.
import sharp from 'sharp';

export function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

export function solidJpeg(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).jpeg().toBuffer();
}

/** A mask with the left half white (change) and the right half black (keep). */
export async function leftHalfMask(width: number, height: number): Promise<Buffer> {
  const half = Math.floor(width / 2);
  const white = await sharp({ create: { width: half, height, channels: 3, background: '#ffffff' } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([{ input: white, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

/** Starts like a PNG but cannot be decoded. */
export const BROKEN_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]);
