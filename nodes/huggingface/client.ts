// The official @huggingface/inference client, configured from ctx.credentials.
// HF_BASE_URL (ours): when set, the SDK's own requests to the hub (provider-mapping lookup) and to the
// inference router go to that origin with the same paths, through the SDK's `fetch` option.
import type { InferenceClient } from '@huggingface/inference';
import type { Credentials, ProviderInfo } from '../api';
import { displayUrl, missingVariable, type PreflightIssue } from '../providers/credential-check';
import { parseRetryAfter } from '../providers/retry-after';

export const HF_TOKEN = 'HF_TOKEN';
export const HF_BASE_URL = 'HF_BASE_URL';
const HF_ORIGINS = ['https://huggingface.co', 'https://router.huggingface.co'];

/** Rewrites hub and router URLs onto `baseUrl`; any other URL passes unchanged. */
export function rewriteHuggingFaceUrl(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  for (const origin of HF_ORIGINS) {
    if (url === origin || url.startsWith(`${origin}/`)) return baseUrl.replace(/\/+$/, '') + url.slice(origin.length);
  }
  return url;
}

export interface HuggingFaceConnection {
  client: InferenceClient;
  /** The wait a failed response asked for (its retry-after header): the SDK's errors drop headers. */
  lastRetryAfterMs(): number | undefined;
}

export type HuggingFaceSdk = typeof import('@huggingface/inference');

/** The SDK, imported on a node's first request: the catalog and `atelier validate` never load it. */
export function loadHuggingFaceSdk(): Promise<HuggingFaceSdk> {
  return import('@huggingface/inference');
}

export function connectHuggingFace(sdk: HuggingFaceSdk, credentials: Credentials): HuggingFaceConnection {
  const token = credentials.get(HF_TOKEN);
  if (!token) throw new Error(`${HF_TOKEN} is not set`);
  const baseUrl = credentials.get(HF_BASE_URL);
  let retryAfterMs: number | undefined;
  const routedFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await fetch(rewriteHuggingFaceUrl(url, baseUrl), init);
    if (!response.ok) retryAfterMs = parseRetryAfter(response.headers);
    return response;
  };
  // retry_on_error: false — the SDK would otherwise retry 503s forever; the engine retries instead.
  const client = new sdk.InferenceClient(token, { fetch: routedFetch, retry_on_error: false });
  return { client, lastRetryAfterMs: () => retryAfterMs };
}

export function huggingFacePreflight(_params: unknown, credentials: Credentials): PreflightIssue[] {
  return credentials.get(HF_TOKEN) ? [] : [missingVariable(HF_TOKEN, 'Hugging Face nodes need an access token (hf_…)')];
}

export const huggingFaceProvider: ProviderInfo = {
  id: 'huggingface',
  title: 'Hugging Face',
  status(credentials) {
    const baseUrl = displayUrl(credentials.get(HF_BASE_URL));
    if (!credentials.get(HF_TOKEN)) return { configured: false, missing: [HF_TOKEN], ...(baseUrl && { baseUrl }) };
    return { configured: true, via: baseUrl ? [HF_TOKEN, HF_BASE_URL] : [HF_TOKEN], ...(baseUrl && { baseUrl }) };
  },
};
