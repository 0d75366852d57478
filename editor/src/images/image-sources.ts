// Where a picker's images come from: the gallery (recent uploads and generated images) and the
// shipped sample assets (GET /api/assets, when the server lists them).
import { ApiError, request, withToken } from '../api/client';
import type { GalleryEntry } from '../workspace/workspace-api';

export interface AssetEntry {
  name: string;
  /** Where the browser can show it, when the server serves assets. */
  url?: string;
}

export const RECENT_LIMIT = 24;

export function recentImages(): Promise<GalleryEntry[]> {
  return request<GalleryEntry[]>('GET', `/api/gallery?limit=${RECENT_LIMIT}`);
}

/** The shipped assets, or null when this server does not list them (the picker says so). */
export async function shippedAssets(): Promise<AssetEntry[] | null> {
  try {
    const list = await request<Array<string | AssetEntry>>('GET', '/api/assets');
    return list.map((a) => (typeof a === 'string' ? { name: a } : { ...a, ...(a.url && { url: withToken(a.url) }) }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function artifactThumbnail(hash: string): string {
  return withToken(`/api/artifacts/${hash}/thumbnail`);
}

/** Where the server serves a shipped sample image. */
export function assetUrl(name: string): string {
  return withToken(`/api/assets/${encodeURIComponent(name)}`);
}
