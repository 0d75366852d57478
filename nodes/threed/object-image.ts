// Decodes lgm.3d's inputs into RGBA pixels plus an object mask: the mask input, else the image's alpha.
import { loadSharp } from '../load-sharp';
import { NodeInputError, type Artifact, type NodeContext } from '../api';
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

export async function loadObjectImage(ctx: NodeContext, image: Artifact, mask?: Artifact): Promise<ObjectImage> {
  if (!image) throw new NodeInputError('connect an image', 'image');
  const sharp = await loadSharp();
  const decoded = await sharp(await ctx.artifacts.read(image))
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
    const raw = await sharp(await ctx.artifacts.read(mask))
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

/** The object cut out as an RGBA PNG (alpha = mask): what the LGM service receives. */
export async function cutoutPng(object: ObjectImage): Promise<Buffer> {
  const sharp = await loadSharp();
  const pixels = Buffer.from(object.rgba);
  for (let i = 0; i < object.mask.length; i++) pixels[i * 4 + 3] = object.mask[i];
  return sharp(pixels, { raw: { width: object.width, height: object.height, channels: 4 } }).png().toBuffer();
}
