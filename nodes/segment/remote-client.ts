// Client for the SAM2 HTTP service (contract in gpu-services/README.md, "## SAM2").
import type { GpuServiceClient, RetryNotice } from '../gpu/service-client';
import type { SegmentPrompt } from './types';

export interface RemoteImage {
  /** PNG bytes, sent base64 when the service lacks them. */
  png: Uint8Array;
  /** SHA-256 hex of `png`: the service's embedding-cache key. */
  sha256: string;
  width: number;
  height: number;
}

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

interface SegmentResponse {
  masks: string[];
  scores: number[];
  bbox?: unknown;
  image_sha256: string;
  /** Present when the service chose the object itself (no points, no box). */
  salient?: Record<string, unknown>;
}

/** The service's answer, its masks still PNGs: they are decoded beside the image in a CPU-pool thread (remote-job.ts). */
export interface RemoteAnswer {
  maskPngs: Uint8Array[];
  scores: number[];
  meta: Record<string, unknown>;
}

/**
 * POST /segment. Sends only the image's hash when this service is believed to hold its embedding;
 * a 404 (the service forgot it) is answered by sending the image itself. With no points and no box
 * the service picks the most salient object from its automatic masks (`salient` in the answer).
 */
export async function segmentRemotely(
  client: GpuServiceClient,
  image: RemoteImage,
  prompt: SegmentPrompt,
  options: { signal: AbortSignal; deadline: number; timeoutMs?: number; onRetry?: (notice: RetryNotice) => void },
): Promise<RemoteAnswer> {
  const started = performance.now();
  const baseUrl = client.baseUrl;
  const cachedHint = (believedCached.get(baseUrl) ?? []).includes(image.sha256);
  let sentImage = !cachedHint;
  const send = (includeImage: boolean) =>
    client.request('POST', 'segment', requestBody(image, prompt, includeImage), {
      signal: options.signal,
      deadline: options.deadline,
      timeoutMs: options.timeoutMs ?? SEGMENT_TIMEOUT_MS,
      passStatuses: includeImage ? [] : [404],
      onRetry: options.onRetry,
    });
  let response = await send(sentImage);
  let resent = false;
  if (response.status === 404) {
    await response.body?.cancel();
    forgetCached(baseUrl, image.sha256);
    sentImage = true;
    resent = true;
    response = await send(true);
  }
  const body = (await response.json()) as SegmentResponse;
  if (!Array.isArray(body.masks) || !Array.isArray(body.scores) || body.masks.length === 0 || body.masks.length !== body.scores.length) {
    throw new Error('SAM2 service answered /segment without matching masks and scores');
  }
  rememberCached(baseUrl, image.sha256);
  return {
    maskPngs: body.masks.map((encoded) => Buffer.from(String(encoded), 'base64')),
    scores: body.scores.map(Number),
    meta: {
      backend: 'remote',
      embeddingReused: !sentImage,
      resentAfter404: resent,
      remoteMs: Math.round(performance.now() - started),
      ...(body.salient ? { prompt: 'salient', salient: body.salient } : {}),
    },
  };
}

function requestBody(image: RemoteImage, prompt: SegmentPrompt, includeImage: boolean): string {
  const body: Record<string, unknown> = {
    image_sha256: image.sha256,
    points: prompt.points.map((p) => [p.x, p.y]),
    labels: prompt.points.map((p) => p.label),
    multimask: prompt.multimask,
  };
  if (prompt.box) body.box = prompt.box;
  if (includeImage) body.image = Buffer.from(image.png).toString('base64');
  return JSON.stringify(body);
}
