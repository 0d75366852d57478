// The workspace's API calls, through the editor's one fetch wrapper: blocking partial runs
// (previews), the gallery, and uploads with lineage.
import type { Flow } from '../../../model/flow';
import { api, request } from '../api/client';
import type { GalleryEntry } from '../../../runtime/store/gallery';
import type { Artifact, RunRecord } from '../api/types';

export type { GalleryEntry };

/** Runs `flow` up to `nodeId` and waits; upstream results come from the cache. */
export function runUpTo(flow: Flow, nodeId: string): Promise<RunRecord> {
  return request<RunRecord>('POST', '/api/runs?wait=1', { flow, target: { to: nodeId } });
}

export async function fetchGallery(filter: { provider?: string; search?: string }): Promise<{ entries: GalleryEntry[]; total: number }> {
  const entries: GalleryEntry[] = [];
  const pageSize = 1000;
  for (let offset = 0; ; offset += pageSize) {
    const q = new URLSearchParams({ limit: String(pageSize), offset: String(offset) });
    if (filter.provider) q.set('provider', filter.provider);
    if (filter.search) q.set('search', filter.search);
    const page = await request<GalleryEntry[]>('GET', `/api/gallery?${q}`);
    entries.push(...page);
    if (page.length < pageSize) return { entries, total: entries.length };
  }
}

export function uploadImage(blob: Blob, options: { parent?: string; prompt?: string }): Promise<Artifact> {
  return api.upload(blob, options);
}

export { withToken } from '../api/client';
