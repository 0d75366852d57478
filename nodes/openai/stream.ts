import type { NodeContext } from '../api';
import { decodeBase64Image, showPreview } from '../providers/store-image';

interface ImageStreamEvent {
  type: string;
  b64_json: string;
  partial_image_index?: number;
}

/** Shows each partial image of an OpenAI image stream (generation or edit) as a preview; returns the final image. */
export async function collectImageStream(ctx: NodeContext, stream: AsyncIterable<ImageStreamEvent>, partialImages: number): Promise<Buffer> {
  let final: Buffer | undefined;
  for await (const event of stream) {
    if (event.type.endsWith('.partial_image')) {
      const index = (event.partial_image_index ?? 0) + 1;
      await showPreview(ctx, decodeBase64Image(event.b64_json, 'OpenAI'), index / (partialImages + 1), `partial image ${index} of ${partialImages}`, 'OpenAI');
    } else if (event.type.endsWith('.completed')) {
      final = decodeBase64Image(event.b64_json, 'OpenAI');
    }
  }
  if (!final) throw new Error('OpenAI stream ended without a completed image');
  return final;
}
