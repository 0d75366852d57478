// Atelier masks are white where the image should change; OpenAI wants the region to change
// fully transparent in an RGBA PNG of the image's size. This converts one into the other.
import { loadSharp } from '../load-sharp';

export async function toOpenAIMask(atelierMask: Uint8Array, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const alpha = await sharp(atelierMask)
    .resize(width, height, { fit: 'fill' })
    .greyscale()
    .negate({ alpha: false })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .joinChannel(alpha, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}
