import { z } from 'zod';
import { defineNode } from '../api';

export const output = defineNode({
  type: 'output',
  title: 'Output',
  category: 'core',
  description: 'Shows any value and marks it as a result of the flow.',
  version: 1,
  inputs: { value: { type: 'any' } },
  outputs: { value: { type: 'any' } },
  params: z.object({ name: z.string().default('').describe('name of this result in the run\'s outputs (default: the node id)') }),
  deterministic: true,
  flowOutput: { port: 'value', nameParam: 'name' },
  async run(_ctx, inputs) {
    return { value: inputs.value };
  },
});
