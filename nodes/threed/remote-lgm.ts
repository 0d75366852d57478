// Client for the LGM GPU service (gpu-services/README.md, "## LGM"), over the shared GPU-service client:
//   GET  /health       → { service, model, device, ready, version? }
//   POST /reconstruct  { image: base64 RGBA PNG } → PLY bytes, header X-Gaussian-Count
import { readPly } from '../../model/ply';
import type { GpuServiceClient, RetryNotice } from '../gpu/service-client';

export const GAUSSIAN_COUNT_HEADER = 'x-gaussian-count';
/** Multi-view diffusion plus LGM takes seconds on a GPU; a cold start loads weights first. */
export const RECONSTRUCT_TIMEOUT_MS = 300_000;

export interface RemoteModel {
  ply: Uint8Array;
  count: number;
  model?: string;
}

export async function reconstructRemote(
  client: GpuServiceClient,
  rgbaPng: Uint8Array,
  options: { signal: AbortSignal; deadline: number; timeoutMs?: number; onRetry?: (notice: RetryNotice) => void },
): Promise<RemoteModel> {
  const response = await client.request('POST', 'reconstruct', JSON.stringify({ image: Buffer.from(rgbaPng).toString('base64') }), {
    signal: options.signal,
    deadline: options.deadline,
    timeoutMs: options.timeoutMs ?? RECONSTRUCT_TIMEOUT_MS,
    onRetry: options.onRetry,
  });
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
    throw new Error(`LGM service answered a PLY that does not parse: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (parsed !== declared) {
    throw new Error(`LGM service said X-Gaussian-Count ${declared} but its PLY holds ${parsed} Gaussians`);
  }
  return { ply, count: parsed, model: response.headers.get('x-model') ?? undefined };
}
