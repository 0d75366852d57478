import { z } from 'zod';
import { defineNode } from '../api';

export const textPrompt = defineNode({
  type: 'text.prompt',
  title: 'Prompt',
  category: 'core',
  description: 'A piece of text, typically the prompt for an image provider.',
  version: 1,
  inputs: {},
  outputs: { text: { type: 'text' } },
  params: z.object({ text: z.string().default('').meta({ multiline: true }) }),
  deterministic: true,
  async run(_ctx, _inputs, params) {
    return { text: params.text };
  },
});
