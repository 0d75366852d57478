// What sam2.segment does with the SAM2 service's answer, run whole in one thread of the CPU pool:
// decode the image and the masks, then encode the node's pictures. Done on the event loop, an 8000²
// photo's pixels held the API for a second.
import { loadSharp } from '../load-sharp';
import { decodeRgb, renderOutputs, type SegmentOutputs } from './local-job';
import { toPrompt, type SegmentParams } from './params';
import type { RemoteAnswer } from './remote-client';
import type { MaskCandidate } from './types';

export async function renderRemoteAnswer(job: { bytes: Uint8Array; params: SegmentParams; answer: RemoteAnswer }): Promise<SegmentOutputs> {
  const image = await decodeRgb(job.bytes);
  const prompt = toPrompt(job.params, image.width, image.height);
  const candidates: MaskCandidate[] = [];
  for (const [i, png] of job.answer.maskPngs.entries()) {
    candidates.push({ mask: await decodeMask(png, image.width, image.height, i), score: job.answer.scores[i] });
  }
  return renderOutputs(image, prompt, job.params.pick, { candidates, meta: job.answer.meta });
}

async function decodeMask(png: Uint8Array, width: number, height: number, index: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) {
    throw new Error(`SAM2 service returned mask ${index} at ${info.width}×${info.height}, expected the source size ${width}×${height}`);
  }
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i] > 127 ? 255 : 0;
  return mask;
}
