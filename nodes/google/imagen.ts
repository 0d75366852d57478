import { z } from 'zod';
import { defineNode } from '../api';
import { callProvider } from '../providers/deadline';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt, seedParam, seedPinned, timeoutSecondsParam } from '../providers/params';
import { decodeBase64Image, storeGeneratedImage } from '../providers/store-image';
import { backendLabel, backendSecrets, createGoogleClient, loadGoogleSdk } from './client';
import { googlePreflight, isBackend, resolveGoogleBackend } from './config';
import { googleError } from './errors';
import { reportUsage } from '../providers/usage';

export const googleImagen = defineNode({
  type: 'google.imagen',
  title: 'Google Imagen',
  category: 'providers',
  description:
    'Generates an image from a prompt with Imagen on Vertex AI (project + Application Default Credentials, or express mode with an API key).',
  version: 1,
  inputs: { prompt: { type: 'text' } },
  outputs: { image: { type: 'image' } },
  params: z.object({
    model: z
      .string()
      .trim()
      .min(1)
      .default('imagen-4.0-generate-001')
      .meta({ examples: ['imagen-4.0-generate-001', 'imagen-4.0-fast-generate-001', 'imagen-4.0-ultra-generate-001', 'imagen-3.0-generate-002'] }),
    aspectRatio: z.enum(['1:1', '3:4', '4:3', '9:16', '16:9']).default('1:1'),
    numberOfImages: z.number().int().min(1).max(4).default(1).describe('The first is the output; all go to the gallery'),
    seed: seedParam,
    negativePrompt: z.string().optional().describe('What to keep out of the image'),
    timeoutSeconds: timeoutSecondsParam,
  }),
  deterministic: seedPinned,
  concurrency: { key: 'google', limit: PROVIDER_CONCURRENCY_LIMIT },
  retry: PROVIDER_RETRY,
  preflight: googlePreflight(true),
  async run(ctx, inputs, params) {
    const prompt = requirePrompt(inputs.prompt);
    const backend = resolveGoogleBackend(ctx.credentials, { vertexOnly: true });
    if (!isBackend(backend)) throw new Error(backend.message);
    ctx.setMeta({ backend: backendLabel(backend) });
    const sdk = await loadGoogleSdk();
    const client = createGoogleClient(sdk, backend);
    const response = await callProvider(
      {
        provider: 'Imagen',
        signal: ctx.signal,
        timeoutSeconds: params.timeoutSeconds,
        mapError: (error) => googleError(error, sdk, backend, params.model, 'Imagen'),
        secrets: backendSecrets(backend),
      },
      (signal) =>
        client.models.generateImages({
          model: params.model,
          prompt,
          config: {
            numberOfImages: params.numberOfImages,
            aspectRatio: params.aspectRatio,
            ...(params.negativePrompt && { negativePrompt: params.negativePrompt }),
            // Vertex only honours a seed with the watermark off.
            ...(seedPinned(params) && { seed: params.seed, addWatermark: false }),
            includeRaiReason: true,
            abortSignal: signal,
          },
        }),
    );
    const generated = response.generatedImages ?? [];
    const images = generated.filter((g) => g.image?.imageBytes);
    if (images.length === 0) {
      const reasons = generated.map((g) => g.raiFilteredReason).filter(Boolean);
      if (reasons.length) throw new Error(`Imagen refused the prompt for safety reasons: ${reasons.join('; ')}`);
      throw new Error('Imagen returned no image (the prompt may have been filtered without a reason)');
    }
    reportUsage(ctx, { provider: 'google', model: params.model, images: images.length });
    const artifacts = [];
    for (const image of images) {
      const bytes = decodeBase64Image(image.image!.imageBytes, 'Imagen');
      artifacts.push(await storeGeneratedImage(ctx, bytes, { prompt, provider: 'google', model: params.model, text: image.enhancedPrompt }));
    }
    return { image: artifacts[0] };
  },
});
