// Turns a provider's HTTP failure into what the engine understands:
// RetryableError for what can succeed later (408, 429 without a hard quota, 5xx), a plain Error otherwise.
import { RetryableError } from '../api';

export interface HttpFailure {
  /** Display name, e.g. "OpenAI". */
  provider: string;
  status: number;
  /** The provider's own explanation, already extracted from its error body. */
  detail?: string;
  retryAfterMs?: number;
  /** Name of the variable holding the key, for 401/403 messages. */
  keyVariable: string;
  /** The model asked for, for 404 messages. */
  model?: string;
  /** True when a 429 means "out of quota/credits" rather than "slow down": retrying cannot help. */
  quotaExhausted?: boolean;
  /** True when the provider refused the content (safety system). */
  safetyRefusal?: boolean;
  /** True when the body says the key is invalid even though the status is not 401 (Google answers 400). */
  keyRejected?: boolean;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function httpFailureError(failure: HttpFailure): Error {
  const { provider, status } = failure;
  const detail = failure.detail ? `: ${oneLine(failure.detail)}` : '';
  if (failure.safetyRefusal) return new Error(`${provider} refused the request for safety reasons (${status})${detail}`);
  if (failure.quotaExhausted) return new Error(`${provider} quota or credit exhausted (${status})${detail} — check billing; retrying will not help`);
  if (status === 401 || failure.keyRejected) return new Error(`${provider} rejected the API key (${status})${detail} — check ${failure.keyVariable}`);
  if (status === 403) return new Error(`${provider} denied access (403)${detail} — check the permissions of ${failure.keyVariable}`);
  if (status === 404) {
    const model = failure.model ? ` model "${failure.model}"` : '';
    return new Error(`${provider} does not know${model || ' the requested resource'} (404)${detail}`);
  }
  if (isRetryableStatus(status)) {
    const what = status === 429 ? 'rate limited' : status === 408 ? 'request timed out' : 'server error';
    return new RetryableError(`${provider} ${what} (${status})${detail}`, failure.retryAfterMs);
  }
  return new Error(`${provider} rejected the request (${status})${detail}`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}
