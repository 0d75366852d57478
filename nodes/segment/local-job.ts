// One local segmentation from the image's bytes to the node's pictures, run whole in one thread of
// the CPU pool: decode, GrabCut, pick, and the mask, cutout and overlay PNGs. With the decode and the
// encodes in the pool too (not on the event loop's thread and libvips threads beside it), a process
// uses the cores ATELIER_CPU_THREADS gives its pool: a queue worker with one thread uses one core.
import { NodeInputError } from '../api';
import { loadSharp } from '../load-sharp';
import { segmentLocally } from './local-grabcut';
import { maskBBox } from './mask-ops';
import { toPrompt, type SegmentParams } from './params';
import { encodeCutoutPng, encodeMaskPng, encodeOverlayPng } from './render';
import type { RgbImage, SegmentPrompt, SegmentResult } from './types';

export interface SegmentOutputs {
  mask: Uint8Array;
  cutout: Uint8Array;
  overlay: Uint8Array;
  bbox: { x: number; y: number; width: number; height: number };
  score: number;
  scores: number[];
  picked: number;
  meta: Record<string, unknown>;
}

export async function segmentImageLocally(job: { bytes: Uint8Array; params: SegmentParams }): Promise<SegmentOutputs> {
  const image = await decodeRgb(job.bytes);
  const prompt = toPrompt(job.params, image.width, image.height);
  return renderOutputs(image, prompt, job.params.pick, await segmentLocally(image, prompt));
}

/** The chosen candidate as the node's outputs; the PNGs are encoded one after another (one core). */
export async function renderOutputs(image: RgbImage, prompt: SegmentPrompt, pick: SegmentParams['pick'], result: SegmentResult): Promise<SegmentOutputs> {
  const picked = pickIndex(pick, result);
  const chosen = result.candidates[picked];
  const mask = await encodeMaskPng(chosen.mask, image.width, image.height);
  const cutout = await encodeCutoutPng(image, chosen.mask);
  const overlay = await encodeOverlayPng(image, chosen.mask, prompt.points, prompt.box);
  return {
    mask,
    cutout,
    overlay,
    bbox: maskBBox(chosen.mask, image.width, image.height),
    score: chosen.score,
    scores: result.candidates.map((c) => c.score),
    picked,
    meta: result.meta,
  };
}

function pickIndex(pick: SegmentParams['pick'], result: SegmentResult): number {
  if (pick === 'best') {
    let best = 0;
    result.candidates.forEach((c, i) => {
      if (c.score > result.candidates[best].score) best = i;
    });
    return best;
  }
  if (pick >= result.candidates.length) {
    throw new NodeInputError(
      `pick ${pick} but the backend returned ${result.candidates.length} mask(s)${result.candidates.length === 1 ? ' — set multimask for several' : ''}`,
      'pick',
    );
  }
  return pick;
}

export async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new NodeInputError(`image decodes to ${info.channels} channels, expected RGB`, 'image');
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
