import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');

  it('reads seconds, an HTTP date, and retry-after-ms (which wins)', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:07 GMT' }), now)).toBe(7000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '3', 'retry-after-ms': '250' }), now)).toBe(250);
  });

  it('accepts plain header records, case-insensitively', () => {
    expect(parseRetryAfter({ 'Retry-After': '2' }, now)).toBe(2000);
  });

  it('gives undefined when there is nothing usable, and never a negative wait', () => {
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': '-1' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': '12' }), now)).toBe(12_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2001' }), now)).toBe(2_001_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 09:59:00 GMT' }), now)).toBe(0);
  });
});
