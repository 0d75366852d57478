import { z } from 'zod';
import { defineNode } from '../api';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt } from '../providers/params';
import { createOpenAIClient, loadOpenAISdk, openaiPreflight } from './client';
import { openaiImageParams, openaiImageRequest } from './image-params';
import { requestOpenAIImages } from './request-images';

export const openaiImage = defineNode({
  type: 'openai.image',
  title: 'OpenAI image',
  category: 'providers',
  description: 'Generates an image from a prompt with the OpenAI Images API (gpt-image models), streaming partial images as previews.',
  version: 1,
  inputs: { prompt: { type: 'text' } },
  outputs: { image: { type: 'image' } },
  params: z.object(openaiImageParams),
  deterministic: false,
  concurrency: { key: 'openai', limit: PROVIDER_CONCURRENCY_LIMIT },
  retry: PROVIDER_RETRY,
  preflight: openaiPreflight,
  async run(ctx, inputs, params) {
    const prompt = requirePrompt(inputs.prompt);
    const client = createOpenAIClient(await loadOpenAISdk(), ctx.credentials);
    const request = { ...openaiImageRequest(params), prompt };
    const image = await requestOpenAIImages(
      ctx,
      params,
      {
        whole: (signal) => client.images.generate(request, { signal }),
        streamed: (signal) => client.images.generate({ ...request, stream: true, partial_images: params.partialImages }, { signal }),
      },
      { prompt },
    );
    return { image };
  },
});
