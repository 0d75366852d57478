// Images coming in from outside: files dropped on the canvas, pasted, picked or imported become
// uploads, then image-loading nodes (the catalog node declaring an `image-upload` param).
import type { XYPosition } from '@xyflow/react';
import { api } from '../api/client';
import { addNodes, toast, useEditor } from '../store/store';
import { imageLoader } from '../workspace/capabilities';

/** Uploads above this are refused here with a clear message instead of a 413 from the server. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Vertical step between several images placed at one point. */
const STACK_STEP = 260;

export function isImageFile(file: File): boolean {
  return file.type.startsWith('image/') || /\.(png|jpe?g|webp|gif)$/i.test(file.name);
}

export function imageFilesOf(data: DataTransfer | null): File[] {
  return [...(data?.files ?? [])].filter(isImageFile);
}

export function hasFiles(data: DataTransfer | null): boolean {
  return !!data && [...data.types].includes('Files');
}

/** Uploads one image; the gallery names it after the file. */
export async function uploadFile(file: File): Promise<string> {
  if (file.size > MAX_IMAGE_BYTES) throw new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB; images are limited to ${MAX_IMAGE_BYTES / 1024 / 1024} MiB`);
  const artifact = await api.upload(file, { prompt: file.name.replace(/\.[a-z0-9]+$/i, '') || undefined });
  return artifact.artifact;
}

/**
 * Uploads every image, then adds one loading node per image at `position` (stacked downwards),
 * as one undo step. Returns the new node ids (fewer when some uploads failed; each failure is told).
 */
export async function placeImageFiles(files: File[], position: XYPosition): Promise<string[]> {
  const loader = imageLoader(useEditor.getState().catalog);
  if (!loader) {
    toast('No node in the catalog loads an image (a node with no inputs, an image output and an image-upload param)', 'error');
    return [];
  }
  const uploaded = await Promise.all(
    files.map((file) =>
      uploadFile(file).catch((error: Error) => {
        toast(`Could not upload ${file.name}: ${error.message}`, 'error');
        return null;
      }),
    ),
  );
  const nodes = uploaded.flatMap((hash, i) =>
    hash ? [{ atype: loader.type, position: { x: position.x, y: position.y + i * STACK_STEP }, params: { [loader.param]: hash } }] : [],
  );
  const ids = addNodes(nodes);
  if (ids.length) toast(`Added ${ids.length} image${ids.length > 1 ? 's' : ''} (${ids.join(', ')})`);
  return ids;
}
