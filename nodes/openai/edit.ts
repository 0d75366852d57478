import { z } from 'zod';
import { NodeInputError, defineNode } from '../api';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt } from '../providers/params';
import { createOpenAIClient, loadOpenAISdk, openaiPreflight } from './client';
import { openaiImageParams, openaiImageRequest } from './image-params';
import { requestOpenAIImages } from './request-images';
import { toOpenAIMask } from './mask';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export const openaiEdit = defineNode({
  type: 'openai.edit',
  title: 'OpenAI edit',
  category: 'providers',
  description:
    'Edits an image with a prompt (OpenAI Images API). An optional mask (white = region to change) limits where it changes.',
  version: 1,
  inputs: {
    image: { type: 'image' },
    prompt: { type: 'text' },
    mask: { type: 'mask', optional: true, description: 'White = region to change' },
  },
  outputs: { image: { type: 'image' } },
  params: z.object({
    ...openaiImageParams,
    inputFidelity: z.enum(['low', 'high']).optional().describe('How closely to keep faces and details of the input'),
  }),
  deterministic: false,
  concurrency: { key: 'openai', limit: PROVIDER_CONCURRENCY_LIMIT },
  retry: PROVIDER_RETRY,
  preflight: openaiPreflight,
  async run(ctx, inputs, params) {
    const prompt = requirePrompt(inputs.prompt);
    if (!inputs.image) throw new NodeInputError('image is not connected', 'image');
    const extension = EXTENSIONS[inputs.image.mediaType];
    if (!extension) throw new NodeInputError(`OpenAI edits accept PNG, JPEG or WebP, not ${inputs.image.mediaType}`, 'image');
    const sdk = await loadOpenAISdk();
    const imageBytes = await ctx.artifacts.read(inputs.image);
    const image = await sdk.toFile(imageBytes, `image.${extension}`, { type: inputs.image.mediaType });
    let mask;
    if (inputs.mask) {
      const { width, height } = inputs.image;
      if (!width || !height) throw new NodeInputError('the image has no known size, so the mask cannot be matched to it', 'image');
      mask = await sdk.toFile(await toOpenAIMask(await ctx.artifacts.read(inputs.mask), width, height), 'mask.png', { type: 'image/png' });
    }
    const client = createOpenAIClient(sdk, ctx.credentials);
    const request = {
      ...openaiImageRequest(params),
      prompt,
      image,
      ...(mask && { mask }),
      ...(params.inputFidelity && { input_fidelity: params.inputFidelity }),
    };
    const edited = await requestOpenAIImages(
      ctx,
      params,
      {
        whole: (signal) => client.images.edit(request, { signal }),
        streamed: (signal) => client.images.edit({ ...request, stream: true, partial_images: params.partialImages }, { signal }),
      },
      { prompt, parent: inputs.image.artifact },
    );
    return { image: edited };
  },
});
