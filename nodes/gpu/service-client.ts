// One HTTP client for Atelier's GPU services (gpu-services/README.md, "Contract"): health probes,
// per-request timeouts, JSON error bodies, and retries with backoff that honour Retry-After.
//
// Retried: 429, 5xx, connection errors. A 503 `not_ready` (the service is still loading its
// weights) is waited out up to the caller's deadline without using up attempts; other retryable
// failures use up attempts. A request that times out is not retried: it already waited its share.

import { parseRetryAfter } from '../providers/retry-after';

export interface ServiceHealth {
  service: string;
  model: string;
  device: string;
  ready: boolean;
  /** The service's code/contract version, when it reports one. */
  version?: string;
  /** Why loading failed (the service stays up and says so). */
  error?: string;
}

/** What GET /health says about a service right now. */
export type HealthProbe =
  | { state: 'ready'; health: ServiceHealth }
  /** Up, still loading its weights: worth waiting for. */
  | { state: 'warming'; health: ServiceHealth; reason: string }
  /** Up but unusable: loading failed, or it does not speak the contract. */
  | { state: 'broken'; reason: string; health?: ServiceHealth }
  /** Nothing answers (refused, unknown host, health timed out). */
  | { state: 'absent'; reason: string };

export interface RetryOptions {
  /** Attempts for failures other than `not_ready`, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface GpuServiceOptions {
  /** For messages: "SAM2", "LGM". */
  name: string;
  baseUrl: string;
  healthTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: GpuServiceError;
}

export interface RequestOptions {
  signal: AbortSignal;
  /** Per-attempt limit. */
  timeoutMs: number;
  /** Absolute time (Date.now()) after which no further attempt starts. */
  deadline: number;
  /** Statuses handed back to the caller instead of thrown (e.g. SAM2's 404 unknown_image). */
  passStatuses?: number[];
  onRetry?: (notice: RetryNotice) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };
export const HEALTH_TIMEOUT_MS = 3_000;
/** How often a warming service's /health is polled while waiting for it. */
const WARMING_POLL_MS = 1_000;

/** A GPU service failure; `retryable` when it may succeed later (429, 5xx, not_ready, connection). */
export class GpuServiceError extends Error {
  /** Read by the engine's retry policy, like RetryableError's. */
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    readonly details: { status?: number; code?: string; field?: string; retryable: boolean; retryAfterMs?: number; attempts?: number },
  ) {
    super(message);
    this.name = 'GpuServiceError';
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
  get status(): number | undefined {
    return this.details.status;
  }
  get code(): string | undefined {
    return this.details.code;
  }
  /** The request field the service blamed (400s), shown with the node's error. */
  get field(): string | undefined {
    return this.details.field;
  }
}

export class GpuServiceClient {
  readonly name: string;
  readonly baseUrl: string;
  private readonly healthTimeoutMs: number;
  private readonly retry: RetryOptions;

  constructor(options: GpuServiceOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl;
    this.healthTimeoutMs = options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  endpoint(path: string): string {
    return new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`).toString();
  }

  /** GET /health once; never throws for a service that is down or unready, it says why instead. */
  async probe(signal: AbortSignal): Promise<HealthProbe> {
    let response: Response;
    try {
      response = await fetch(this.endpoint('health'), { signal: AbortSignal.any([signal, AbortSignal.timeout(this.healthTimeoutMs)]) });
    } catch (error) {
      signal.throwIfAborted();
      return { state: 'absent', reason: `unreachable (${describeFetchError(error)})` };
    }
    const text = await response.text().catch(() => '');
    const health = parseHealth(text);
    if (!health) {
      return { state: 'broken', reason: `GET /health answered HTTP ${response.status} without {service, model, device, ready}` };
    }
    if (health.ready && response.ok) return { state: 'ready', health };
    if (health.error) return { state: 'broken', reason: `loading ${health.model} failed: ${health.error}`, health };
    return { state: 'warming', health, reason: `not ready (${health.model} still loading)` };
  }

  /**
   * Polls /health until the service is ready, broken, or the deadline passes. `absent` is waited
   * out too when `waitWhileAbsent` (a service still starting), else returned at once.
   */
  async waitUntilReady(
    signal: AbortSignal,
    deadline: number,
    options: { waitWhileAbsent: boolean; onWait?: (probe: HealthProbe) => void },
  ): Promise<HealthProbe> {
    for (;;) {
      const probe = await this.probe(signal);
      if (probe.state === 'ready' || probe.state === 'broken') return probe;
      if (probe.state === 'absent' && !options.waitWhileAbsent) return probe;
      const wait = Math.min(WARMING_POLL_MS, deadline - Date.now());
      if (wait <= 0) return probe;
      options.onWait?.(probe);
      await sleep(wait, signal);
    }
  }

  /** Sends the request with retries; answers the first 2xx (or passed-through) response, else throws GpuServiceError. */
  async request(method: string, path: string, body: string | undefined, options: RequestOptions): Promise<Response> {
    let counted = 0;
    for (let attempt = 1; ; attempt++) {
      // A tagged result, not `instanceof Response`: @hono/node-server replaces the global Response class.
      const outcome = await this.attempt(method, path, body, options).then(
        (response) => ({ response }),
        (failure: unknown) => ({ failure }),
      );
      if ('response' in outcome) return outcome.response;
      const error = outcome.failure;
      if (!(error instanceof GpuServiceError)) throw error;
      const notReady = error.code === 'not_ready';
      if (!notReady) counted++;
      if (!error.retryable || counted >= this.retry.attempts) throw withAttempts(error, attempt);
      const delayMs = this.delayFor(error, counted);
      if (Date.now() + delayMs >= options.deadline) {
        throw withAttempts(error, attempt, notReady ? 'the service was still not ready at the deadline' : 'no time left for another attempt');
      }
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }

  private async attempt(method: string, path: string, body: string | undefined, options: RequestOptions): Promise<Response> {
    const route = `${method} /${path}`;
    let response: Response;
    try {
      response = await fetch(this.endpoint(path), {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
    } catch (error) {
      options.signal.throwIfAborted();
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new GpuServiceError(`${this.name} service did not answer ${route} within ${Math.round(options.timeoutMs / 1000)} s`, { retryable: false });
      }
      throw new GpuServiceError(`${this.name} service ${route} failed: ${describeFetchError(error)}`, { retryable: true });
    }
    if (response.ok || options.passStatuses?.includes(response.status)) return response;
    throw await this.errorFrom(route, response);
  }

  private async errorFrom(route: string, response: Response): Promise<GpuServiceError> {
    const text = await response.text().catch(() => '');
    let message = text.slice(0, 300) || response.statusText;
    let code: string | undefined;
    let field: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string } | string };
      if (typeof parsed.error === 'string') message = parsed.error;
      else if (parsed.error) {
        message = parsed.error.message ?? message;
        code = parsed.error.code;
        field = parsed.error.field;
      }
    } catch {
      // not JSON: keep the text
    }
    const status = response.status;
    const retryable = status === 429 || status >= 500 || code === 'not_ready';
    const retryAfterMs = parseRetryAfter(response.headers);
    return new GpuServiceError(`${this.name} service ${route} answered HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, {
      status,
      code,
      field,
      retryable,
      retryAfterMs,
    });
  }

  /** Retry-After when the service sent one, else exponential backoff with jitter. */
  private delayFor(error: GpuServiceError, attempt: number): number {
    if (error.details.retryAfterMs !== undefined) return error.details.retryAfterMs;
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

function withAttempts(error: GpuServiceError, attempts: number, why?: string): GpuServiceError {
  if (attempts === 1 && !why) return error;
  const suffix = attempts > 1 ? ` (after ${attempts} attempts${why ? `; ${why}` : ''})` : ` (${why})`;
  return new GpuServiceError(`${error.message}${suffix}`, { ...error.details, attempts });
}

function parseHealth(text: string): ServiceHealth | undefined {
  let body: Partial<ServiceHealth> | undefined;
  try {
    body = JSON.parse(text) as Partial<ServiceHealth>;
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || typeof body.ready !== 'boolean') return undefined;
  return {
    service: String(body.service ?? '?'),
    model: String(body.model ?? '?'),
    device: String(body.device ?? '?'),
    ready: body.ready,
    ...(body.version !== undefined ? { version: String(body.version) } : {}),
    ...(typeof body.error === 'string' && body.error ? { error: body.error } : {}),
  };
}

export function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
