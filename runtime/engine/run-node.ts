// One execution of a node's `run`: under its concurrency limit, retried with backoff when its
// policy allows. The outcome goes to callbacks, not a promise: a small node then costs the one
// promise its own `run` returns (the limiter's free-slot path adds none).
import type { AnyNodeDefinition, NodeContext, Outputs } from '../../nodes/api';
import type { Limiter, Limiters } from './limiter';
import { backoffDelay, isRetryable, sleep } from './retry';

export interface NodeOutcome {
  ran(outputs: Outputs): void;
  failed(error: unknown): void;
}

/** Runs the node and calls exactly one of `outcome`'s methods (a throw of `run` also arrives as `failed`). */
export function runNode(deps: { limiters: Limiters }, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown, outcome: NodeOutcome): void {
  const limiter = deps.limiters.get(def.concurrency?.key ?? def.type, def.concurrency?.limit ?? 8);
  if (def.retry) {
    runWithRetry(limiter, def, ctx, inputs, params).then(
      (outputs) => outcome.ran(outputs),
      (error) => outcome.failed(error),
    );
    return;
  }
  runOnce(limiter, def, ctx, inputs, params, outcome);
}

function runOnce(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown, outcome: NodeOutcome): void {
  // Asked first without the signal: a node context makes its run's signal only when it is asked for one.
  if (limiter.tryAcquire()) return callReleasing(limiter, def, ctx, inputs, params, outcome);
  limiter.acquire(ctx.signal)!.then(
    () => callReleasing(limiter, def, ctx, inputs, params, outcome),
    (error) => outcome.failed(error),
  );
}

function callReleasing(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown, outcome: NodeOutcome): void {
  let pending: Promise<Outputs>;
  try {
    pending = def.run(ctx, inputs, params);
  } catch (error) {
    limiter.release();
    return outcome.failed(error instanceof Error ? error : new Error(String(error)));
  }
  Promise.resolve(pending).then(
    (outputs) => {
      limiter.release();
      outcome.ran(outputs);
    },
    (error) => {
      limiter.release();
      outcome.failed(error);
    },
  );
}

function runOncePromise(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  return new Promise<Outputs>((resolve, reject) => runOnce(limiter, def, ctx, inputs, params, { ran: resolve, failed: reject }));
}

async function runWithRetry(limiter: Limiter, def: AnyNodeDefinition, ctx: NodeContext, inputs: Record<string, unknown>, params: unknown): Promise<Outputs> {
  const policy = def.retry!;
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOncePromise(limiter, def, ctx, inputs, params);
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
