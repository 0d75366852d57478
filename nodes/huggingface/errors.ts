// @huggingface/inference errors → clear node errors. Its HTTP errors keep the request (with the
// Authorization header) on the error object, so only the status and the message are carried on.
import { RetryableError } from '../api';
import { httpFailureError } from '../providers/http-errors';
import { HF_TOKEN, type HuggingFaceSdk } from './client';

/** `sdk`: the loaded SDK, whose error classes the request threw. */
export function huggingFaceError(error: unknown, sdk: HuggingFaceSdk, model: string, provider: string, retryAfterMs: number | undefined): Error {
  const { InferenceClientHubApiError, InferenceClientInputError, InferenceClientProviderApiError, InferenceClientProviderOutputError } = sdk;
  const label = `Hugging Face (${provider})`;
  if (error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError) {
    const status = error.httpResponse.status;
    const detail = error.message.replace(/^Failed to perform inference: /, '');
    return httpFailureError({
      provider: error instanceof InferenceClientHubApiError ? 'Hugging Face hub' : label,
      status,
      detail,
      retryAfterMs,
      keyVariable: HF_TOKEN,
      model,
      quotaExhausted: status === 402,
      safetyRefusal: /nsfw|safety checker|content policy/i.test(detail),
    });
  }
  if (error instanceof InferenceClientProviderOutputError) return new Error(`${label} returned a malformed response: ${error.message}`);
  if (error instanceof InferenceClientInputError) return new Error(`${label}: ${error.message}`);
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError && /fetch failed/i.test(message)) {
    const cause = (error as { cause?: unknown }).cause;
    return new RetryableError(`${label} could not be reached: ${cause instanceof Error ? cause.message : message}`);
  }
  return error instanceof Error ? error : new Error(`${label} request failed: ${message}`);
}
