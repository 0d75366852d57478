// One execution of a node's `run`: under its concurrency limit, retried with backoff when its
// policy allows. The limiter's free-slot path adds no promise.
import type { AnyNodeDefinition, NodeContext, Outputs } from '../../nodes/api';
import type { Limiter, Limiters } from './limiter';
import { backoffDelay, isRetryable, sleep } from './retry';

export function runNode(deps: { limiters: Limiters }, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  const limiter = deps.limiters.get(def.concurrency?.key ?? def.type, def.concurrency?.limit ?? 8);
  return def.retry ? runWithRetry(limiter, def, ctx, inputs, params) : runOnce(limiter, def, ctx, inputs, params);
}

function runOnce(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  const wait = limiter.acquire(ctx.signal);
  return wait ? wait.then(() => callReleasing(limiter, def, ctx, inputs, params)) : callReleasing(limiter, def, ctx, inputs, params);
}

function callReleasing(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  let pending: Promise<Outputs>;
  try {
    pending = def.run(ctx, inputs, params);
  } catch (error) {
    limiter.release();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return Promise.resolve(pending).then(
    (outputs) => (limiter.release(), outputs),
    (error) => {
      limiter.release();
      throw error;
    },
  );
}

async function runWithRetry(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  const policy = def.retry!;
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(limiter, def, ctx, inputs, params);
    } catch (failure) {
      if (ctx.signal.aborted || attempt >= attempts || !isRetryable(failure, policy)) throw failure;
      const delay = backoffDelay(policy, attempt, failure);
      const message = failure instanceof Error ? failure.message : String(failure);
      ctx.progress(0, `attempt ${attempt} failed (${message}); retrying in ${delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`}`);
      ctx.log(`retry ${attempt}/${attempts - 1} in ${delay} ms: ${message}`);
      await sleep(delay, ctx.signal);
    }
  }
}
