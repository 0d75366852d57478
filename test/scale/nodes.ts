// Node types the scale-out tests register in the API and in every worker process: they record each
// execution in a file (the processes share nothing else), so a test counts executions across processes.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition } from '../../nodes/api';
import { testNodes } from '../helpers/test-nodes';

function record(file: string | undefined, line: string): void {
  if (file) appendFileSync(file, `${line}\n`);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export function scaleTestNodes(env: NodeJS.ProcessEnv = process.env): AnyNodeDefinition[] {
  return [
    ...testNodes(),
    defineNode({
      type: 'test.count',
      title: 'Count',
      category: 'test',
      description: 'adds `value` to its input after `ms`, writing one line per execution to ATELIER_TEST_COUNT_FILE',
      version: 1,
      inputs: { add: { type: 'number', optional: true, default: 0 } },
      outputs: { value: { type: 'number' } },
      params: z.object({ value: z.number().default(1), ms: z.number().int().min(0).max(60_000).default(0), salt: z.string().default('') }),
      deterministic: true,
      async run(ctx, inputs, params) {
        record(env.ATELIER_TEST_COUNT_FILE, `${ctx.runId} ${ctx.nodeId} ${process.pid}`);
        ctx.progress(0.5, 'counting');
        if (params.ms) await pause(params.ms, ctx.signal);
        return { value: params.value + inputs.add };
      },
    }),
    defineNode({
      type: 'test.slot',
      title: 'Slot',
      category: 'test',
      description: 'holds a slot of the "test-slot" limit for `ms`, writing start/end times to ATELIER_TEST_SLOT_FILE',
      version: 1,
      inputs: {},
      outputs: { value: { type: 'number' } },
      params: z.object({ ms: z.number().int().min(0).max(60_000).default(200), salt: z.string().default('') }),
      deterministic: false,
      concurrency: { key: 'test-slot', limit: 50 },
      async run(ctx, _inputs, params) {
        record(env.ATELIER_TEST_SLOT_FILE, `start ${Date.now()} ${process.pid}`);
        try {
          await pause(params.ms, ctx.signal);
        } finally {
          record(env.ATELIER_TEST_SLOT_FILE, `end ${Date.now()} ${process.pid}`);
        }
        return { value: 1 };
      },
    }),
    defineNode({
      type: 'test.die',
      title: 'Die',
      category: 'test',
      description: 'SIGKILLs the worker process that runs it (a run whose worker keeps dying)',
      version: 1,
      inputs: {},
      outputs: { value: { type: 'number' } },
      params: z.object({ salt: z.string().default('') }),
      deterministic: false,
      async run(ctx) {
        record(env.ATELIER_TEST_COUNT_FILE, `${ctx.runId} ${ctx.nodeId} ${process.pid}`);
        if (env.ATELIER_TEST_ALLOW_DIE === '1') process.kill(process.pid, 'SIGKILL');
        throw new Error('test.die runs only in scale-out test workers');
      },
    }),
  ] as AnyNodeDefinition[];
}
