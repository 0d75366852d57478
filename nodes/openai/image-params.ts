// Params shared by openai.image and openai.edit.
import { z } from 'zod';
import { timeoutSecondsParam } from '../providers/params';

export const OPENAI_IMAGE_MODELS = ['gpt-image-1.5', 'gpt-image-2', 'chatgpt-image-latest', 'gpt-image-1', 'gpt-image-1-mini'];

export const openaiImageParams = {
  model: z.string().trim().min(1).default('gpt-image-1.5').meta({ examples: OPENAI_IMAGE_MODELS, description: 'Model name (free text)' }),
  size: z
    .string()
    .regex(/^(auto|\d{2,5}x\d{2,5})$/, 'a size is "auto" or WIDTHxHEIGHT, e.g. 1024x1024')
    .default('auto')
    .meta({ examples: ['auto', '1024x1024', '1536x1024', '1024x1536'] }),
  quality: z.enum(['auto', 'low', 'medium', 'high']).default('auto'),
  background: z.enum(['auto', 'transparent', 'opaque']).default('auto'),
  n: z.number().int().min(1).max(10).default(1).describe('How many images; the first is the output, all go to the gallery'),
  partialImages: z.number().int().min(0).max(3).default(2).describe('Partial images streamed as previews (only when n is 1)'),
  timeoutSeconds: timeoutSecondsParam,
};

/** The request fields common to generations and edits. */
export function openaiImageRequest(params: { model: string; size: string; quality: string; background: string; n: number }) {
  return {
    model: params.model,
    size: params.size,
    quality: params.quality as 'auto' | 'low' | 'medium' | 'high',
    background: params.background as 'auto' | 'transparent' | 'opaque',
    n: params.n,
  };
}
