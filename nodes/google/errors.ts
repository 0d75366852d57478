// @google/genai errors → clear node errors. ApiError carries the status and the JSON error body
// (google.rpc.Status) as its message; RetryInfo in that body says how long to wait.
import { RetryableError } from '../api';
import { httpFailureError } from '../providers/http-errors';
import type { GoogleSdk } from './client';
import type { GoogleBackend } from './config';

interface RpcStatus {
  error?: { code?: number; message?: string; status?: string; details?: Array<Record<string, unknown>> };
}

/** `sdk`: the loaded SDK, whose error classes the request threw. */
export function googleError(error: unknown, sdk: GoogleSdk, backend: GoogleBackend, model: string, provider: string): Error {
  if (error instanceof sdk.ApiError) {
    const body = parseBody(error.message);
    const detail = body.error?.message ?? error.message;
    const retryAfterMs = retryInfoMs(body);
    const keyVariable = backend.kind === 'vertex-project' ? 'GOOGLE_APPLICATION_CREDENTIALS' : backend.keyVariable;
    return httpFailureError({
      provider,
      status: error.status,
      detail,
      retryAfterMs,
      keyVariable,
      model,
      keyRejected: /API[_ ]KEY[_ ]INVALID|API key not valid|API key expired/i.test(JSON.stringify(body)),
      quotaExhausted: error.status === 429 && retryAfterMs === undefined && /per ?day|billing/i.test(detail),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (backend.kind === 'vertex-project' && /credential|access token|invalid_grant|private key/i.test(message)) {
    return new Error(
      `Google Application Default Credentials failed: ${message} — set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file or run "gcloud auth application-default login"`,
    );
  }
  if (error instanceof TypeError && /fetch failed/i.test(message)) {
    const cause = (error as { cause?: unknown }).cause;
    return new RetryableError(`${provider} could not be reached: ${cause instanceof Error ? cause.message : message}`);
  }
  return error instanceof Error ? error : new Error(`${provider} request failed: ${message}`);
}

function parseBody(message: string): RpcStatus {
  try {
    const parsed = JSON.parse(message) as RpcStatus;
    return typeof parsed === 'object' && parsed ? parsed : {};
  } catch {
    return { error: { message } };
  }
}

/** google.rpc.RetryInfo: { retryDelay: "13s" } or "1.5s". */
function retryInfoMs(body: RpcStatus): number | undefined {
  for (const detail of body.error?.details ?? []) {
    const delay = detail.retryDelay;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) return Math.round(parseFloat(delay) * 1000);
  }
  return undefined;
}
