// Import given an image: a PNG carrying a flow opens that flow (the server reads it:
// POST /api/flows/from-image); any other image becomes a load node in the open flow.
import type { Flow } from '../../../model/flow';
import { ApiError, RawBody, request } from '../api/client';
import { searchFlowPosition } from '../shortcuts';
import { toast } from '../store/store';
import { placeImageFiles } from './image-files';
import { pngCarriesFlow } from './png-flow';

/** The flow a PNG carries, or null when this server cannot read flows from images (named in a toast). */
async function flowFromImage(file: File): Promise<Flow | null> {
  try {
    const answer = await request<Flow | { flow: Flow }>('POST', '/api/flows/from-image', new RawBody(file, file.type || 'image/png'));
    return 'flow' in answer && typeof answer.flow === 'object' ? answer.flow : (answer as Flow);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      toast(`${file.name} carries a flow, but this server cannot read flows from images (no POST /api/flows/from-image): added it as an image instead`, 'error');
      return null;
    }
    throw error;
  }
}

/**
 * Imports an image file. `openFlow` receives a carried flow (the caller confirms discarding
 * unsaved work); a plain image is added to the open flow at the view's centre.
 */
export async function importImageFile(file: File, openFlow: (flow: Flow) => void): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (pngCarriesFlow(bytes)) {
    const flow = await flowFromImage(file).catch((error: Error) => {
      toast(`Could not read the flow in ${file.name}: ${error.message}`, 'error');
      return undefined;
    });
    if (flow) return openFlow(flow);
    if (flow === undefined) return;
  }
  await placeImageFiles([file], searchFlowPosition());
}
