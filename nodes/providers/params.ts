// Params and policies every provider node shares.
import { z } from 'zod';
import { NodeInputError, type RetryPolicy } from '../api';

export const timeoutSecondsParam = z
  .number()
  .positive()
  .max(3600)
  .default(120)
  .describe('Seconds one request may take before it is abandoned (and retried)');

export const seedParam = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)
  .optional()
  .describe('Pin a seed to make the result repeatable (and cacheable)')
  .meta({ widget: 'seed' });

/** Engine-side retries for 408/429/5xx/timeouts; SDK retries stay off so attempts are counted once. */
export const PROVIDER_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

export const PROVIDER_CONCURRENCY_LIMIT = 4;

/** A provider call is only repeatable when the user pinned a seed. */
export function seedPinned(params: { seed?: unknown }): boolean {
  return typeof params.seed === 'number';
}

export function requirePrompt(value: unknown, field = 'prompt'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new NodeInputError(`${field} is empty: connect a text input with the prompt`, field);
  }
  return value;
}
