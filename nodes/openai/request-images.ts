// One OpenAI image request (generation or edit): whole or streamed with partial-image previews,
// under the provider deadline, with every returned image stored and put in the gallery.
import type { Artifact, NodeContext } from '../api';
import { callProvider } from '../providers/deadline';
import { decodeBase64Image, showPreview, storeGeneratedImage } from '../providers/store-image';
import { OPENAI_KEY, loadOpenAISdk } from './client';
import { openaiError } from './errors';
import { reportUsage, tokens } from '../providers/usage';

interface OpenAIUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number };
}

interface ImageStreamEvent {
  type: string;
  b64_json: string;
  partial_image_index?: number;
  usage?: OpenAIUsage;
}

export interface OpenAIImageCall {
  /** One JSON answer with every image. */
  whole(signal: AbortSignal): Promise<{ data?: Array<{ b64_json?: string; revised_prompt?: string }>; usage?: OpenAIUsage }>;
  /** Partial images, then the final one (used when n is 1). */
  streamed(signal: AbortSignal): Promise<AsyncIterable<ImageStreamEvent>>;
}

interface RequestParams {
  model: string;
  size: string;
  quality: string;
  n: number;
  partialImages: number;
  timeoutSeconds: number;
}

/** Returns the first image; all of them go to the gallery with the prompt (and parent, for edits). */
export async function requestOpenAIImages(
  ctx: NodeContext,
  params: RequestParams,
  call: OpenAIImageCall,
  gallery: { prompt: string; parent?: string },
): Promise<Artifact> {
  let usage: OpenAIUsage | undefined;
  const sdk = await loadOpenAISdk();
  const images = await callProvider(
    {
      provider: 'OpenAI',
      signal: ctx.signal,
      timeoutSeconds: params.timeoutSeconds,
      mapError: (error) => openaiError(error, sdk, params.model),
      secrets: [ctx.credentials.get(OPENAI_KEY)],
    },
    async (signal) => {
      if (params.n !== 1) {
        const response = await call.whole(signal);
        usage = response.usage;
        return (response.data ?? []).map((d) => ({ bytes: decodeBase64Image(d.b64_json, 'OpenAI'), text: d.revised_prompt }));
      }
      const final = await collectImageStream(ctx, await call.streamed(signal), params.partialImages);
      usage = final.usage;
      return [{ bytes: final.bytes, text: undefined as string | undefined }];
    },
  );
  if (images.length === 0) throw new Error('OpenAI returned no image');
  const details = usage?.input_tokens_details;
  reportUsage(ctx, {
    provider: 'openai',
    model: params.model,
    images: images.length,
    size: params.size,
    quality: params.quality,
    inputTokens: tokens(usage?.input_tokens),
    // A generation's input is only text; an edit's (it has a parent image) split is known only from the details.
    inputTextTokens: tokens(details?.text_tokens) ?? (gallery.parent === undefined ? tokens(usage?.input_tokens) : undefined),
    inputImageTokens: tokens(details?.image_tokens),
    outputTokens: tokens(usage?.output_tokens),
  });
  const artifacts: Artifact[] = [];
  for (const image of images) {
    artifacts.push(await storeGeneratedImage(ctx, image.bytes, { ...gallery, provider: 'openai', model: params.model, text: image.text }));
  }
  return artifacts[0];
}

/** Shows each partial image as a preview; returns the final image. */
async function collectImageStream(ctx: NodeContext, stream: AsyncIterable<ImageStreamEvent>, partialImages: number): Promise<{ bytes: Buffer; usage?: OpenAIUsage }> {
  let final: Buffer | undefined;
  let usage: OpenAIUsage | undefined;
  for await (const event of stream) {
    if (event.type.endsWith('.partial_image')) {
      const index = (event.partial_image_index ?? 0) + 1;
      await showPreview(ctx, decodeBase64Image(event.b64_json, 'OpenAI'), index / (partialImages + 1), `partial image ${index} of ${partialImages}`, 'OpenAI');
    } else if (event.type.endsWith('.completed')) {
      final = decodeBase64Image(event.b64_json, 'OpenAI');
      usage = event.usage;
    }
  }
  if (!final) throw new Error('OpenAI stream ended without a completed image');
  return { bytes: final, usage };
}
