// Decodes lgm.3d's inputs into RGBA pixels plus an object mask: the mask input, else the image's alpha.
// Runs in a CPU-pool thread (object-job.ts): a large photo's pixels never pass through the event loop.
import { loadSharp } from '../load-sharp';
import { NodeInputError } from '../api';
import { maskBoundingBox, type PixelBox } from '../../model/placement';

export interface ObjectImage {
  rgba: Uint8Array;
  /** One byte per pixel at the image's size, ≥ 128 = object. */
  mask: Uint8Array;
  width: number;
  height: number;
  bbox: PixelBox;
  maskSource: 'mask' | 'alpha';
}

/** The longest side of the cutout sent to the LGM service (which recentres it and works at 256²). */
export const CUTOUT_MAX_SIDE = 2048;

export async function decodeObject(image: Uint8Array, mask?: Uint8Array): Promise<ObjectImage> {
  const sharp = await loadSharp();
  const decoded = await sharp(image)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new NodeInputError(`the image cannot be decoded: ${error.message}`, 'image');
    });
  const { width, height } = decoded.info;
  const rgba = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length);

  let objectMask: Uint8Array;
  if (mask) {
    const raw = await sharp(mask)
      .resize(width, height, { fit: 'fill' })
      .greyscale()
      .extractChannel(0)
      .raw()
      .toBuffer()
      .catch((error: Error) => {
        throw new NodeInputError(`the mask cannot be decoded: ${error.message}`, 'mask');
      });
    objectMask = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  } else {
    objectMask = new Uint8Array(width * height);
    let transparent = false;
    for (let i = 0; i < objectMask.length; i++) {
      const a = rgba[i * 4 + 3];
      objectMask[i] = a;
      if (a < 255) transparent = true;
    }
    if (!transparent) {
      throw new NodeInputError(
        'lgm.3d needs to know which pixels are the object: connect a mask (e.g. from sam2.segment) or give an image with a transparent background',
        'mask',
      );
    }
  }

  const bbox = maskBoundingBox(objectMask, width, height);
  if (!bbox) {
    throw new NodeInputError(mask ? 'the mask is empty: no pixel marks the object' : "the image's alpha is empty: no pixel is opaque", 'mask');
  }
  return { rgba, mask: objectMask, width, height, bbox, maskSource: mask ? 'mask' : 'alpha' };
}

/**
 * The object cut out as an RGBA PNG (alpha = mask): what the LGM service receives. Cropped to the
 * object with a small margin and at most CUTOUT_MAX_SIDE on its longer side: the service recentres the
 * object from its alpha anyway and refuses images over 4096² pixels, which a phone photo exceeds.
 */
export async function cutoutPng(object: ObjectImage): Promise<Buffer> {
  const sharp = await loadSharp();
  const margin = Math.max(2, Math.round(0.02 * Math.max(object.bbox.width, object.bbox.height)));
  const left = Math.max(0, object.bbox.x - margin);
  const top = Math.max(0, object.bbox.y - margin);
  const width = Math.min(object.width, object.bbox.x + object.bbox.width + margin) - left;
  const height = Math.min(object.height, object.bbox.y + object.bbox.height + margin) - top;
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = (top + y) * object.width + left;
    pixels.set(object.rgba.subarray(row * 4, (row + width) * 4), y * width * 4);
    for (let x = 0; x < width; x++) pixels[(y * width + x) * 4 + 3] = object.mask[row + x];
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .resize({ width: CUTOUT_MAX_SIDE, height: CUTOUT_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
}
