// lgm.3d's pixel work, run whole in one thread of the CPU pool: decode the image and its mask, find
// the object, then inflate it (local backend) or cut it out for the LGM service. A 16000² photo held
// the event loop for seconds when its pixels were decoded there and copied to the pool.
import { writePly } from '../../model/ply';
import type { PixelBox } from '../../model/placement';
import { inflate } from './inflate';
import { cutoutPng, decodeObject, type ObjectImage } from './object-image';

export interface ObjectJob {
  image: Uint8Array;
  mask?: Uint8Array;
}

/** Where the object is in the source image: what the node's placement is made from. */
export interface ObjectFacts {
  width: number;
  height: number;
  bbox: PixelBox;
}

export async function inflateObject(job: ObjectJob): Promise<ObjectFacts & { ply: Uint8Array; count: number }> {
  const object = await decodeObject(job.image, job.mask);
  const gaussians = inflate(object);
  return { ...factsOf(object), ply: writePly(gaussians), count: gaussians.count };
}

export async function objectCutout(job: ObjectJob): Promise<ObjectFacts & { png: Uint8Array }> {
  const object = await decodeObject(job.image, job.mask);
  return { ...factsOf(object), png: await cutoutPng(object) };
}

function factsOf(object: ObjectImage): ObjectFacts {
  return { width: object.width, height: object.height, bbox: object.bbox };
}
