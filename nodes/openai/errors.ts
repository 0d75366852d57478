// OpenAI SDK errors → clear node errors (RetryableError for 408/429/5xx/connection problems).
import { RetryableError } from '../api';
import { httpFailureError } from '../providers/http-errors';
import { parseRetryAfter } from '../providers/retry-after';
import { OPENAI_KEY, type OpenAISdk } from './client';

const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active']);
const SAFETY_CODES = new Set(['moderation_blocked', 'content_policy_violation', 'safety_violations']);

/** `sdk`: the loaded SDK, whose error classes the request threw. */
export function openaiError(error: unknown, sdk: OpenAISdk, model: string): Error {
  const OpenAI = sdk.default;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new RetryableError('OpenAI request timed out');
  if (error instanceof OpenAI.APIConnectionError) {
    return new RetryableError(`OpenAI could not be reached: ${error.cause instanceof Error ? error.cause.message : error.message}`);
  }
  if (error instanceof OpenAI.APIError) {
    const body = (error.error ?? {}) as { message?: unknown };
    const detail = typeof body.message === 'string' ? body.message : error.message;
    const code = typeof error.code === 'string' ? error.code : undefined;
    const type = typeof error.type === 'string' ? error.type : undefined;
    const safetyRefusal = SAFETY_CODES.has(code ?? '') || SAFETY_CODES.has(type ?? '') || /safety system/i.test(detail);
    const modelUnknown = code === 'model_not_found' || /model .* does not exist/i.test(detail);
    if (error.status === undefined) {
      // An error event inside a stream: no HTTP status to go by.
      if (safetyRefusal) return httpFailureError({ provider: 'OpenAI', status: 400, detail, keyVariable: OPENAI_KEY, safetyRefusal });
      if (code === 'server_error' || type === 'server_error') return new RetryableError(`OpenAI stream failed: ${detail}`);
      return new Error(`OpenAI stream failed: ${detail}`);
    }
    return httpFailureError({
      provider: 'OpenAI',
      status: modelUnknown ? 404 : error.status,
      detail,
      retryAfterMs: parseRetryAfter(error.headers),
      keyVariable: OPENAI_KEY,
      model,
      quotaExhausted: QUOTA_CODES.has(code ?? '') || QUOTA_CODES.has(type ?? ''),
      safetyRefusal,
    });
  }
  return error instanceof Error ? error : new Error(`OpenAI request failed: ${String(error)}`);
}
