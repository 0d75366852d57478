// Client for the LGM GPU service (gpu-services/README.md, "## LGM"):
//   GET  /health       → { service, model, device, ready }
//   POST /reconstruct  { image: base64 RGBA PNG } → PLY bytes, header X-Gaussian-Count
import { RetryableError } from '../api';
import { readPly } from '../../model/ply';

export const GAUSSIAN_COUNT_HEADER = 'x-gaussian-count';
const HEALTH_TIMEOUT_MS = 3_000;
/** Multi-view diffusion plus LGM takes seconds on a GPU; a cold start loads weights first. */
const RECONSTRUCT_TIMEOUT_MS = 300_000;

export interface LgmHealth {
  service?: string;
  model?: string;
  device?: string;
  ready: boolean;
}

/** The service's health, or an error message saying why it cannot be used. */
export async function checkLgmHealth(baseUrl: string, signal: AbortSignal): Promise<LgmHealth | { error: string }> {
  try {
    const response = await fetch(new URL('health', withSlash(baseUrl)), {
      signal: AbortSignal.any([signal, AbortSignal.timeout(HEALTH_TIMEOUT_MS)]),
    });
    if (!response.ok) return { error: `GET /health answered ${response.status}` };
    const body = (await response.json()) as LgmHealth;
    return { ...body, ready: body.ready === true };
  } catch (error) {
    if (signal.aborted) throw error;
    return { error: `GET /health failed: ${describe(error)}` };
  }
}

export interface RemoteModel {
  ply: Uint8Array;
  count: number;
  model?: string;
}

export async function reconstructRemote(
  baseUrl: string,
  rgbaPng: Uint8Array,
  options: { signal: AbortSignal; timeoutMs?: number },
): Promise<RemoteModel> {
  const timeoutMs = options.timeoutMs ?? RECONSTRUCT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(new URL('reconstruct', withSlash(baseUrl)), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: Buffer.from(rgbaPng).toString('base64') }),
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new Error(`LGM service at ${baseUrl} did not answer POST /reconstruct within ${timeoutMs / 1000} s`);
    }
    throw new RetryableError(`LGM service at ${baseUrl} is unreachable: ${describe(error)}`);
  }
  if (!response.ok) {
    const message = `LGM service POST /reconstruct answered ${response.status}: ${await errorMessage(response)}`;
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new RetryableError(message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new Error(message);
  }
  const ply = new Uint8Array(await response.arrayBuffer());
  const header = response.headers.get(GAUSSIAN_COUNT_HEADER);
  const declared = Number(header);
  if (header === null || !Number.isInteger(declared) || declared < 0) {
    throw new Error(`LGM service answered without a valid X-Gaussian-Count header (got ${JSON.stringify(header)})`);
  }
  let parsed: number;
  try {
    parsed = readPly(ply).count;
  } catch (error) {
    throw new Error(`LGM service answered a PLY that does not parse: ${describe(error)}`);
  }
  if (parsed !== declared) {
    throw new Error(`LGM service said X-Gaussian-Count ${declared} but its PLY holds ${parsed} Gaussians`);
  }
  return { ply, count: parsed, model: response.headers.get('x-model') ?? undefined };
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string };
    if (typeof body.error === 'string') return body.error;
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || response.statusText;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
