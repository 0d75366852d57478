// Node types for engine and browser tests: values, waits that a test releases, failures, flaky calls.
import { z } from 'zod';
import { defineNode, RetryableError, type AnyNodeDefinition } from '../../nodes/api';

/** Tracks how many test.wait nodes run at once and lets a test release them. */
export class WaitGate {
  active = 0;
  maxActive = 0;
  started: string[] = [];
  aborted: string[] = [];
  private releases: Array<() => void> = [];

  release(): void {
    const pending = this.releases;
    this.releases = [];
    for (const release of pending) release();
  }

  waitForStarted(count: number, timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.started.length >= count) return resolve();
        if (Date.now() - start > timeoutMs) return reject(new Error(`only ${this.started.length} of ${count} wait nodes started`));
        setTimeout(check, 5);
      };
      check();
    });
  }

  hold(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.releases.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
}

export function testNodes(gate = new WaitGate(), calls: Map<string, number> = new Map()): AnyNodeDefinition[] {
  const count = (key: string) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return n;
  };
  return [
    defineNode({
      type: 'test.number',
      title: 'Number',
      category: 'test',
      description: 'a number param as output',
      version: 1,
      inputs: { add: { type: 'number', optional: true, default: 0 } },
      outputs: { value: { type: 'number' } },
      params: z.object({ value: z.number().default(0) }),
      deterministic: true,
      async run(ctx, inputs, params) {
        count(`number:${ctx.nodeId}`);
        return { value: params.value + inputs.add };
      },
    }),
    defineNode({
      type: 'test.wait',
      title: 'Wait',
      category: 'test',
      description: 'waits until the test releases it (or ms elapse), honouring cancel',
      version: 1,
      inputs: { value: { type: 'number', optional: true, default: 0 } },
      outputs: { value: { type: 'number' } },
      params: z.object({ ms: z.number().int().min(0).default(0), tag: z.string().default('') }),
      deterministic: false,
      concurrency: { key: 'test-wait', limit: 100 },
      async run(ctx, inputs, params) {
        gate.started.push(ctx.nodeId);
        gate.active++;
        gate.maxActive = Math.max(gate.maxActive, gate.active);
        ctx.progress(0.5, 'waiting');
        try {
          if (params.ms > 0) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, params.ms);
              ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
            });
          } else await gate.hold(ctx.signal);
        } catch (error) {
          gate.aborted.push(ctx.nodeId);
          throw error;
        } finally {
          gate.active--;
        }
        return { value: inputs.value };
      },
    }),
    defineNode({
      type: 'test.fail',
      title: 'Fail',
      category: 'test',
      description: 'always fails',
      version: 1,
      inputs: { value: { type: 'number', optional: true } },
      outputs: { value: { type: 'number' } },
      params: z.object({ message: z.string().default('boom') }),
      deterministic: true,
      async run(ctx, _inputs, params) {
        count(`fail:${ctx.nodeId}`);
        throw new Error(params.message);
      },
    }),
    defineNode({
      type: 'test.flaky',
      title: 'Flaky',
      category: 'test',
      description: 'fails `failures` times with a retryable error, then succeeds',
      version: 1,
      inputs: {},
      outputs: { attempts: { type: 'number' } },
      params: z.object({ failures: z.number().int().default(2), retryAfterMs: z.number().optional(), retryable: z.boolean().default(true) }),
      deterministic: false,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 },
      async run(ctx, _inputs, params) {
        const attempt = count(`flaky:${ctx.runId}:${ctx.nodeId}`);
        if (attempt <= params.failures) {
          if (!params.retryable) throw new Error(`permanent failure on attempt ${attempt}`);
          throw new RetryableError(`temporary failure on attempt ${attempt}`, params.retryAfterMs);
        }
        return { attempts: attempt };
      },
    }),
  ] as AnyNodeDefinition[];
}
