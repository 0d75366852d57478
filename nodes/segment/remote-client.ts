// Client for the SAM2 HTTP service (contract in gpu-services/README.md, "## SAM2").
import sharp from 'sharp';
import { RetryableError } from '../api';
import type { MaskCandidate, SegmentPrompt, SegmentResult } from './types';

export interface ServiceHealth {
  service: string;
  model: string;
  device: string;
  ready: boolean;
}

export type HealthCheck = { ok: true; health: ServiceHealth } | { ok: false; reason: string };

export interface RemoteImage {
  /** PNG bytes, sent base64 when the service lacks them. */
  png: Uint8Array;
  /** SHA-256 hex of `png`: the service's embedding-cache key. */
  sha256: string;
  width: number;
  height: number;
}

export const HEALTH_TIMEOUT_MS = 3_000;
export const SEGMENT_TIMEOUT_MS = 120_000;

/** Images each service is believed to hold an embedding for (most recent last). */
const believedCached = new Map<string, string[]>();
const BELIEF_LIMIT = 64;

function rememberCached(baseUrl: string, sha256: string): void {
  const list = (believedCached.get(baseUrl) ?? []).filter((s) => s !== sha256);
  list.push(sha256);
  believedCached.set(baseUrl, list.slice(-BELIEF_LIMIT));
}

function forgetCached(baseUrl: string, sha256: string): void {
  believedCached.set(baseUrl, (believedCached.get(baseUrl) ?? []).filter((s) => s !== sha256));
}

function endpoint(baseUrl: string, path: string): string {
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** GET /health; never throws for an unreachable or unready service, it says why instead. */
export async function checkHealth(baseUrl: string, signal?: AbortSignal, timeoutMs = HEALTH_TIMEOUT_MS): Promise<HealthCheck> {
  let response: Response;
  try {
    response = await fetch(endpoint(baseUrl, 'health'), { signal: withTimeout(signal, timeoutMs) });
  } catch (error) {
    signal?.throwIfAborted();
    return { ok: false, reason: `unreachable (${describeFetchError(error)})` };
  }
  if (!response.ok) return { ok: false, reason: `GET /health answered HTTP ${response.status}` };
  const body = (await response.json().catch(() => undefined)) as Partial<ServiceHealth> | undefined;
  if (!body || typeof body.ready !== 'boolean') return { ok: false, reason: 'GET /health did not answer {service, model, device, ready}' };
  if (!body.ready) return { ok: false, reason: `not ready (model ${body.model ?? '?'} still loading)` };
  return { ok: true, health: { service: String(body.service), model: String(body.model), device: String(body.device), ready: true } };
}

interface SegmentResponse {
  masks: string[];
  scores: number[];
  bbox?: unknown;
  image_sha256: string;
}

/**
 * POST /segment. Sends only the image's hash when this service is believed to hold its embedding;
 * a 404 (the service forgot it) is answered by sending the image itself.
 */
export async function segmentRemotely(
  baseUrl: string,
  image: RemoteImage,
  prompt: SegmentPrompt,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SegmentResult> {
  const started = performance.now();
  const cachedHint = (believedCached.get(baseUrl) ?? []).includes(image.sha256);
  let sentImage = !cachedHint;
  let response = await postSegment(baseUrl, image, prompt, sentImage, options);
  let resent = false;
  if (response.status === 404 && !sentImage) {
    await response.body?.cancel();
    forgetCached(baseUrl, image.sha256);
    sentImage = true;
    resent = true;
    response = await postSegment(baseUrl, image, prompt, true, options);
  }
  if (!response.ok) throw await serviceError(response);
  const body = (await response.json()) as SegmentResponse;
  if (!Array.isArray(body.masks) || !Array.isArray(body.scores) || body.masks.length === 0 || body.masks.length !== body.scores.length) {
    throw new Error('SAM2 service answered /segment without matching masks and scores');
  }
  rememberCached(baseUrl, image.sha256);
  const candidates: MaskCandidate[] = [];
  for (const [i, encoded] of body.masks.entries()) {
    candidates.push({ mask: await decodeMask(encoded, image.width, image.height, i), score: Number(body.scores[i]) });
  }
  return {
    candidates,
    meta: {
      backend: 'remote',
      embeddingReused: !sentImage,
      resentAfter404: resent,
      remoteMs: Math.round(performance.now() - started),
    },
  };
}

async function postSegment(
  baseUrl: string,
  image: RemoteImage,
  prompt: SegmentPrompt,
  includeImage: boolean,
  options: { signal?: AbortSignal; timeoutMs?: number },
): Promise<Response> {
  const body: Record<string, unknown> = {
    image_sha256: image.sha256,
    points: prompt.points.map((p) => [p.x, p.y]),
    labels: prompt.points.map((p) => p.label),
    multimask: prompt.multimask,
  };
  if (prompt.box) body.box = prompt.box;
  if (includeImage) body.image = Buffer.from(image.png).toString('base64');
  try {
    return await fetch(endpoint(baseUrl, 'segment'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: withTimeout(options.signal, options.timeoutMs ?? SEGMENT_TIMEOUT_MS),
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    throw new RetryableError(`SAM2 service /segment failed: ${describeFetchError(error)}`);
  }
}

async function serviceError(response: Response): Promise<Error> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string };
    message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? message);
  } catch {
    // not JSON: keep the text
  }
  const summary = `SAM2 service /segment answered HTTP ${response.status}: ${message}`;
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return new RetryableError(summary, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  return new Error(summary);
}

async function decodeMask(base64: string, width: number, height: number, index: number): Promise<Uint8Array> {
  const { data, info } = await sharp(Buffer.from(base64, 'base64'))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) {
    throw new Error(`SAM2 service returned mask ${index} at ${info.width}×${info.height}, expected the source size ${width}×${height}`);
  }
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i] > 127 ? 255 : 0;
  return mask;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
