import { describe, expect, it } from 'vitest';
import { RetryableError } from '../api';
import { httpFailureError, isRetryableStatus } from './http-errors';

const base = { provider: 'Acme', keyVariable: 'ACME_KEY', model: 'm1' };

describe('httpFailureError', () => {
  it('retries 408, 429 and 5xx only, carrying retry-after', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 402, 403, 404, 409, 422].some(isRetryableStatus)).toBe(false);
    const limited = httpFailureError({ ...base, status: 429, detail: 'slow down', retryAfterMs: 1500 });
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ message: 'Acme rate limited (429): slow down', retryAfterMs: 1500 });
    expect(httpFailureError({ ...base, status: 503 })).toBeInstanceOf(RetryableError);
  });

  it('explains 4xx clearly and never retries them', () => {
    const cases: Array<[Parameters<typeof httpFailureError>[0], RegExp]> = [
      [{ ...base, status: 401, detail: 'bad key' }, /^Acme rejected the API key \(401\): bad key — check ACME_KEY$/],
      [{ ...base, status: 400, keyRejected: true }, /^Acme rejected the API key \(400\) — check ACME_KEY$/],
      [{ ...base, status: 403 }, /^Acme denied access \(403\)/],
      [{ ...base, status: 404, detail: 'nope' }, /^Acme does not know model "m1" \(404\): nope$/],
      [{ ...base, status: 429, quotaExhausted: true }, /^Acme quota or credit exhausted \(429\).*retrying will not help$/],
      [{ ...base, status: 400, safetyRefusal: true, detail: 'violence' }, /^Acme refused the request for safety reasons \(400\): violence$/],
      [{ ...base, status: 422, detail: 'width must be a multiple of 8' }, /^Acme rejected the request \(422\): width must be/],
    ];
    for (const [failure, pattern] of cases) {
      const error = httpFailureError(failure);
      expect(error).not.toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(pattern);
    }
  });
});
