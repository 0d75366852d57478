// One timeout per provider request, combined with the run's cancel signal, so that either
// aborts the HTTP request itself. Tells a timeout (retryable) from a cancel (final) afterwards.
import { NodeInputError, RetryableError } from '../api';
import { redactSecrets } from './redact';

export class CancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbortError';
  }
}

export interface ProviderCall {
  provider: string;
  /** The run's signal (ctx.signal). */
  signal: AbortSignal;
  timeoutSeconds: number;
  /** Maps an SDK error to a clear node error (RetryableError or Error). */
  mapError(error: unknown): Error;
  /** Secret values to scrub from any error message (keys, tokens). */
  secrets?: Array<string | undefined>;
}

/** Runs `request` with a signal that aborts on cancel or after the timeout. */
export async function callProvider<T>(call: ProviderCall, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('timeout')), call.timeoutSeconds * 1000);
  const signal = AbortSignal.any([call.signal, timeout.signal]);
  const abortFailure = (): Error | undefined => {
    if (call.signal.aborted) return new CancelledError(`${call.provider} request cancelled`);
    if (timeout.signal.aborted) {
      return new RetryableError(`${call.provider} did not answer within ${call.timeoutSeconds} s (timeoutSeconds)`);
    }
    return undefined;
  };
  try {
    const result = await request(signal);
    // Some SDK streams end quietly when their signal aborts; an aborted call never counts as a success.
    const aborted = abortFailure();
    if (aborted) throw aborted;
    return result;
  } catch (error) {
    const failure = abortFailure() ?? (error instanceof RetryableError || error instanceof CancelledError ? error : call.mapError(error));
    throw scrubbed(failure, call.secrets);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh error with a redacted message: no cause chain or SDK request objects (which hold headers) travel on. */
function scrubbed(error: Error, secrets: Array<string | undefined> | undefined): Error {
  const message = redactSecrets(error.message, secrets);
  if (error instanceof RetryableError) return new RetryableError(message, error.retryAfterMs);
  if (error instanceof CancelledError) return new CancelledError(message);
  if (error instanceof NodeInputError) return new NodeInputError(message, error.field);
  const clean = new Error(message);
  clean.name = error.name === 'Error' ? 'Error' : error.name;
  return clean;
}
