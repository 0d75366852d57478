// The few API calls the workspace makes beyond the editor's client: blocking partial runs
// (previews), the gallery, and uploads with lineage.
import type { Flow } from '../../../model/flow';
import { ApiError, apiToken } from '../api/client';
import type { GalleryEntry } from '../../../runtime/store/gallery';
import type { Artifact, RunRecord } from '../api/types';

export type { GalleryEntry };

async function call<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (contentType) headers['content-type'] = contentType;
  if (apiToken) headers.authorization = `Bearer ${apiToken}`;
  const res = await fetch(path, { method, headers, body });
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? `${method} ${path}: HTTP ${res.status}`, json?.error?.details);
  return json as T;
}

/** Runs `flow` up to `nodeId` and waits; upstream results come from the cache. */
export function runUpTo(flow: Flow, nodeId: string): Promise<RunRecord> {
  return call<RunRecord>('POST', '/api/runs?wait=1', JSON.stringify({ flow, target: { to: nodeId } }), 'application/json');
}

export async function fetchGallery(filter: { provider?: string; search?: string }): Promise<{ entries: GalleryEntry[]; total: number }> {
  const entries: GalleryEntry[] = [];
  const pageSize = 1000;
  for (let offset = 0; ; offset += pageSize) {
    const q = new URLSearchParams({ limit: String(pageSize), offset: String(offset) });
    if (filter.provider) q.set('provider', filter.provider);
    if (filter.search) q.set('search', filter.search);
    const page = await call<GalleryEntry[]>('GET', `/api/gallery?${q}`);
    entries.push(...page);
    if (page.length < pageSize) return { entries, total: entries.length };
  }
}

export function uploadImage(blob: Blob, options: { parent?: string; prompt?: string }): Promise<Artifact> {
  const q = new URLSearchParams();
  if (options.parent) q.set('parent', options.parent);
  if (options.prompt) q.set('prompt', options.prompt);
  return call<Artifact>('POST', `/api/uploads?${q}`, blob, blob.type || 'image/png');
}

export function withToken(url: string): string {
  return apiToken ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(apiToken)}` : url;
}
