// PNGs Atelier made carry their flow (an iTXt chunk `atelier.flow`): dropping or importing one opens
// that flow with the inputs it ran with, as a new unsaved flow. A PNG without the chunk stays an image.
import type { XYPosition } from '@xyflow/react';
import { isPortBinding } from '../../../model/flow-basics';
import type { Flow } from '../../../model/flow';
import { PngMetaError, readFlowFromPng, type EmbeddedFlow } from '../../../model/png-meta';
import { isArtifact } from '../../../model/artifact';
import { placeImageFiles } from '../images/image-files';
import { confirmDiscard } from '../components/FlowList';
import { importFlowDocument } from '../store/files';
import { toast, useEditor } from '../store/store';
import { imageLoader } from '../workspace/capabilities';
import { searchFlowPosition } from '../shortcuts';

const HASH = /^[0-9a-f]{64}$/;

/** The flow a PNG file carries; undefined for a plain image (or a non-PNG). Errors name the file. */
export async function embeddedFlowOf(file: File): Promise<EmbeddedFlow | undefined> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return readFlowFromPng(bytes);
  } catch (error) {
    if (error instanceof PngMetaError) return undefined;
    throw error;
  }
}

function firstFree(taken: Set<string>, base: string): string {
  for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}
const uniqueId = (flow: Flow, base: string) => firstFree(new Set(flow.nodes.map((n) => n.id)), base);
const uniqueEdgeId = (flow: Flow, base: string) => firstFree(new Set(flow.edges.map((e) => e.id)), base);

/**
 * The carried flow with its run's inputs written in: a param-bound input sets that param; a
 * port-bound image input given as an artifact becomes a load node wired to the port (the binding is
 * dropped because the port is now connected). Inputs that cannot be placed are named in `skipped`.
 */
export function applyEmbeddedInputs(embedded: EmbeddedFlow): { flow: Flow; skipped: string[] } {
  const flow = structuredClone(embedded.flow) as Flow;
  const skipped: string[] = [];
  const loader = imageLoader(useEditor.getState().catalog);
  for (const [name, value] of Object.entries(embedded.inputs ?? {})) {
    const binding = flow.inputs?.[name];
    const node = binding && flow.nodes.find((n) => n.id === binding.node);
    if (!binding || !node) {
      skipped.push(name);
      continue;
    }
    if (!isPortBinding(binding)) {
      node.params = { ...node.params, [binding.param]: value };
      continue;
    }
    const hash = isArtifact(value) ? value.artifact : typeof value === 'string' && HASH.test(value) ? value : undefined;
    if (!hash || !loader) {
      skipped.push(name);
      continue;
    }
    const id = uniqueId(flow, 'input_');
    flow.nodes.push({ id, type: loader.type, position: { x: node.position.x - 300, y: node.position.y }, params: { [loader.param]: hash } });
    const output = Object.entries(useEditor.getState().catalog?.byType.get(loader.type)?.outputs ?? {}).find(([, p]) => p.type === 'image')?.[0] ?? 'image';
    flow.edges.push({ id: uniqueEdgeId(flow, `e_${id}`), source: id, sourceHandle: output, target: node.id, targetHandle: binding.port });
    delete flow.inputs[name];
  }
  return { flow, skipped };
}

/** Opens a carried flow (asking before unsaved work is discarded). */
export function openEmbeddedFlow(embedded: EmbeddedFlow, source: string): void {
  const { flow, skipped } = applyEmbeddedInputs(embedded);
  confirmDiscard(() => {
    void importFlowDocument(flow).then(() => {
      if (skipped.length) toast(`${source}: inputs not restored: ${skipped.join(', ')}`, 'error');
    });
  });
}

/** Dropped images: the first PNG carrying a flow opens that flow; otherwise each becomes a load node. */
export async function dropImagesOrFlow(files: File[], at: XYPosition): Promise<void> {
  for (const file of files) {
    const embedded = await embeddedFlowOf(file).catch((error: Error) => {
      toast(`Could not read ${file.name}: ${error.message}`, 'error');
      return undefined;
    });
    if (embedded) return openEmbeddedFlow(embedded, file.name);
  }
  await placeImageFiles(files, at);
}

/** Import given an image: a PNG carrying a flow opens it with its inputs; any other image becomes a load node. */
export async function importImageOrFlow(file: File): Promise<void> {
  await dropImagesOrFlow([file], searchFlowPosition());
}
