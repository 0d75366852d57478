import { z } from 'zod';
import { defineNode } from '../api';
import { callProvider } from '../providers/deadline';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt } from '../providers/params';
import { decodeBase64Image, storeGeneratedImage } from '../providers/store-image';
import { OPENAI_KEY, createOpenAIClient, openaiPreflight } from './client';
import { openaiError } from './errors';
import { collectImageStream } from './stream';
import { openaiImageParams, openaiImageRequest } from './image-params';

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
    const client = createOpenAIClient(ctx.credentials);
    const request = { ...openaiImageRequest(params), prompt };
    const streamed = params.n === 1;
    const images = await callProvider(
      {
        provider: 'OpenAI',
        signal: ctx.signal,
        timeoutSeconds: params.timeoutSeconds,
        mapError: (error) => openaiError(error, params.model),
        secrets: [ctx.credentials.get(OPENAI_KEY)],
      },
      async (signal) => {
        if (!streamed) {
          const response = await client.images.generate(request, { signal });
          return (response.data ?? []).map((d) => ({ bytes: decodeBase64Image(d.b64_json, 'OpenAI'), text: d.revised_prompt }));
        }
        const stream = await client.images.generate({ ...request, stream: true, partial_images: params.partialImages }, { signal });
        const final = await collectImageStream(ctx, stream, params.partialImages);
        return [{ bytes: final, text: undefined as string | undefined }];
      },
    );
    if (images.length === 0) throw new Error('OpenAI returned no image');
    const artifacts = [];
    for (const image of images) {
      artifacts.push(await storeGeneratedImage(ctx, image.bytes, { prompt, provider: 'openai', model: params.model, text: image.text }));
    }
    return { image: artifacts[0] };
  },
});
