// Exponential backoff with full jitter for node types that opt in; honours a server's retry-after.
import type { RetryPolicy } from '../../nodes/api';

export function isRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (policy.retryable) return policy.retryable(error);
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

export function backoffDelay(policy: RetryPolicy, attempt: number, error: unknown, random = Math.random): number {
  const max = policy.maxDelayMs ?? 30_000;
  const retryAfter = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof retryAfter === 'number' && retryAfter >= 0) return Math.min(retryAfter, max);
  const ceiling = Math.min(max, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
