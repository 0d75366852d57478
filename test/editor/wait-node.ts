// A node type for browser tests: it stays `running` until the test releases it.
import { z } from 'zod';
import { defineNode, isArtifact } from '../../nodes/api';

let release: () => void = () => {};
let gate = new Promise<void>((resolve) => (release = resolve));

/** Lets every waiting (and future) test.wait run finish. */
export function releaseWaitNodes(): void {
  release();
}

/** Makes later test.wait runs wait again. */
export function resetWaitNodes(): void {
  gate = new Promise<void>((resolve) => (release = resolve));
}

export const testWait = defineNode({
  type: 'test.wait',
  title: 'Wait (test)',
  category: 'test',
  description: 'Passes its input through once the test releases it.',
  version: 1,
  inputs: { value: { type: 'any', optional: true } },
  outputs: { value: { type: 'any' } },
  params: z.object({ label: z.string().default('') }),
  deterministic: false,
  async run(ctx, inputs) {
    // An image input doubles as a streamed preview, as a provider's partial image would.
    const preview = isArtifact(inputs.value) && inputs.value.mediaType.startsWith('image/') ? inputs.value : undefined;
    ctx.progress(0.5, 'waiting for the test to release me', preview);
    await new Promise<void>((resolve, reject) => {
      gate.then(resolve, reject);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason ?? new Error('cancelled')), { once: true });
    });
    return { value: inputs.value ?? 'released' };
  },
});
