import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../nodes/api';
import { backoffDelay, isRetryable } from './retry';

describe('retry policy', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially with jitter and stays under the cap', () => {
    expect(backoffDelay(policy, 1, new Error(), () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, new Error(), () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, new Error(), () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, new Error(), () => 1)).toBe(1000);
  });

  it('uses retry-after when the error carries it, capped', () => {
    expect(backoffDelay(policy, 1, new RetryableError('429', 250))).toBe(250);
    expect(backoffDelay(policy, 1, new RetryableError('429', 60_000))).toBe(1000);
  });

  it('retries only errors marked retryable unless the policy decides', () => {
    expect(isRetryable(new RetryableError('503'), policy)).toBe(true);
    expect(isRetryable(new Error('400'), policy)).toBe(false);
    expect(isRetryable(new Error('x'), { ...policy, retryable: () => true })).toBe(true);
  });
});
