// What a gallery image can do: open in a new flow, land on the canvas (drag), open its run.
import type { XYPosition } from '@xyflow/react';
import { confirmDiscard } from '../components/FlowList';
import { newFlow } from '../store/files';
import { openRun } from '../store/runs';
import { addNode, setFlowName, toast, useEditor, withoutUndo } from '../store/store';
import { imageLoader } from './capabilities';
import { showGalleryPage } from './workspace-store';

/** Drag payload of a gallery image: its artifact hash. */
export const GALLERY_MIME = 'application/x-atelier-gallery-image';

/** Adds the catalog's image-loading node set to this image; one undo step. */
export function placeImage(hash: string, position: XYPosition): string | undefined {
  const loader = imageLoader(useEditor.getState().catalog);
  if (!loader) {
    toast('No node in the catalog loads an image (a node with no inputs, an image output and an image-upload param)', 'error');
    return undefined;
  }
  return addNode(loader.type, position, undefined, { [loader.param]: hash });
}

/** A new flow holding one image-loading node set to `hash`, named after `label` (a prompt or file name). */
export function openInNewFlow(hash: string, label: string): void {
  showGalleryPage(false);
  confirmDiscard(() => {
    newFlow();
    withoutUndo(() => {
      setFlowName(`From ${label.slice(0, 40)}`);
      placeImage(hash, { x: 0, y: 0 });
    });
  });
}

export function openRunOf(runId: string): void {
  showGalleryPage(false);
  confirmDiscard(() => void openRun(runId, { loadFlow: true }).catch((e: Error) => toast(`Could not open run ${runId}: ${e.message}`, 'error')));
}

/** Canvas drop handler part: true when the drop was a gallery image (and was placed). */
export function dropGalleryImage(event: React.DragEvent, position: XYPosition): boolean {
  const hash = event.dataTransfer.getData(GALLERY_MIME);
  if (!/^[0-9a-f]{64}$/.test(hash)) return false;
  event.preventDefault();
  placeImage(hash, position);
  return true;
}

export function isGalleryDrag(event: React.DragEvent): boolean {
  return event.dataTransfer.types.includes(GALLERY_MIME);
}
