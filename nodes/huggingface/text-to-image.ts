import { z } from 'zod';
import { defineNode } from '../api';
import { callProvider } from '../providers/deadline';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt, seedParam, seedPinned, timeoutSecondsParam } from '../providers/params';
import { storeGeneratedImage } from '../providers/store-image';
import { HF_TOKEN, connectHuggingFace, huggingFacePreflight, loadHuggingFaceSdk } from './client';
import { huggingFaceError } from './errors';
import { reportUsage } from '../providers/usage';

/** Inference providers whose text-to-image the SDK supports. */
export const HF_TEXT_TO_IMAGE_PROVIDERS = ['hf-inference', 'auto', 'fal-ai', 'replicate', 'together', 'nscale', 'deepinfra', 'wavespeed', 'zai-org'] as const;

const size = z.number().int().min(64).max(4096).optional();

export const hfTextToImage = defineNode({
  type: 'hf.text-to-image',
  title: 'Hugging Face text to image',
  category: 'providers',
  description: 'Generates an image with a Hugging Face model (FLUX, SDXL, …) through Hugging Face Inference Providers.',
  version: 1,
  inputs: { prompt: { type: 'text' } },
  outputs: { image: { type: 'image' } },
  params: z.object({
    provider: z.enum(HF_TEXT_TO_IMAGE_PROVIDERS).default('hf-inference'),
    model: z
      .string()
      .trim()
      .min(1)
      .default('black-forest-labs/FLUX.1-schnell')
      .meta({ examples: ['black-forest-labs/FLUX.1-schnell', 'black-forest-labs/FLUX.1-dev', 'stabilityai/stable-diffusion-xl-base-1.0'] }),
    width: size,
    height: size,
    steps: z.number().int().min(1).max(150).optional().describe('Inference steps (FLUX.1-schnell: about 4)'),
    seed: seedParam,
    negativePrompt: z.string().optional(),
    timeoutSeconds: timeoutSecondsParam,
  }),
  deterministic: seedPinned,
  concurrency: { key: 'huggingface', limit: PROVIDER_CONCURRENCY_LIMIT },
  retry: PROVIDER_RETRY,
  preflight: huggingFacePreflight,
  async run(ctx, inputs, params) {
    const prompt = requirePrompt(inputs.prompt);
    const sdk = await loadHuggingFaceSdk();
    const { client, lastRetryAfterMs } = connectHuggingFace(sdk, ctx.credentials);
    const parameters = {
      ...(params.width !== undefined && { width: params.width }),
      ...(params.height !== undefined && { height: params.height }),
      ...(params.steps !== undefined && { num_inference_steps: params.steps }),
      ...(params.seed !== undefined && { seed: params.seed }),
      ...(params.negativePrompt && { negative_prompt: params.negativePrompt }),
    };
    ctx.setMeta({ backend: params.provider });
    const blob = await callProvider(
      {
        provider: `Hugging Face (${params.provider})`,
        signal: ctx.signal,
        timeoutSeconds: params.timeoutSeconds,
        mapError: (error) => huggingFaceError(error, sdk, params.model, params.provider, lastRetryAfterMs()),
        secrets: [ctx.credentials.get(HF_TOKEN)],
      },
      (signal) => client.textToImage({ provider: params.provider, model: params.model, inputs: prompt, parameters }, { signal }),
    );
    const bytes = new Uint8Array(await blob.arrayBuffer());
    reportUsage(ctx, { provider: 'huggingface', model: params.model, images: 1, inferenceProvider: params.provider, ...(params.width && params.height ? { size: `${params.width}x${params.height}` } : {}) });
    const image = await storeGeneratedImage(ctx, bytes, { prompt, provider: 'huggingface', model: params.model });
    return { image };
  },
});
