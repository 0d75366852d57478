// Where PNGs leave Atelier as files — gallery files, `atelier run --out`, ?download=1&run= — they get
// their run's flow embedded (model/png-meta.ts). Stored artifacts are never touched.
import type { Artifact } from '../model/artifact';
import type { RunRecord } from '../model/events';
import { FlowSchema, type Flow } from '../model/flow';
import { isPng, PngMetaError, readFlowFromPng, type EmbeddedFlow } from '../model/png-meta';
import type { NodeRegistry } from './engine/registry';
import type { Store } from './store';
import { producerOf, runOrigins } from './store/run-origins';

/** Gallery files of a run carry its flow; the port is the node's first image output (the file is written before the node returns). */
export function installGalleryFlows(store: Store, registry: NodeRegistry): void {
  const origins = runOrigins(store.db);
  store.gallery.fileParts = (bytes, origin) => {
    const node = origin.nodeId ? store.runs.flowOf(origin.runId!)?.nodes.find((n) => n.id === origin.nodeId) : undefined;
    const def = node && registry.get(node.type);
    const port = def && Object.entries(def.outputs).find(([, spec]) => spec.type === 'image')?.[0];
    return origins.pngWithFlowParts(bytes, { runId: origin.runId!, node: origin.nodeId, port });
  };
}

/** The bytes of a run's output as a file: PNGs with the flow embedded (node/port: the flow output binding, else whoever produced it). */
export function outputFileBytes(store: Store, registry: NodeRegistry, record: RunRecord, name: string, artifact: Artifact, bytes: Uint8Array): Uint8Array {
  const flow = store.runs.flowOf(record.id);
  const bound = flow?.outputs[name];
  // A node that marks a flow output (the registry's flowOutput: its port, named by a param or its id).
  const marked = flow?.nodes.map((n) => ({ node: n, marker: registry.get(n.type)?.flowOutput })).find(({ node, marker }) => marker && (node.id === name || (marker.nameParam && node.params?.[marker.nameParam] === name)));
  const source = producerOf(record, artifact.artifact, bound ?? (marked?.marker ? { node: marked.node.id, port: marked.marker.port } : undefined));
  return runOrigins(store.db).pngWithFlow(bytes, { runId: record.id, ...source });
}

/** A download of `hash` as made by run `runId`, as parts to send one after another: undefined when that run produced no such artifact. */
export async function downloadWithFlow(store: Store, hash: string, runId: string): Promise<Uint8Array[] | undefined> {
  const record = store.runs.get(runId);
  const source = record && producerOf(record, hash);
  if (!source) return undefined;
  return runOrigins(store.db).pngWithFlowParts(await store.artifacts.read(hash), { runId, ...source });
}

export class NoEmbeddedFlow extends Error {}

/** The flow (schema-checked) and inputs a PNG carries; NoEmbeddedFlow when it is just an image. */
export function flowFromPng(bytes: Uint8Array): EmbeddedFlow & { flow: Flow } {
  if (!isPng(bytes)) throw new NoEmbeddedFlow('not a PNG file: only PNGs carry an Atelier flow');
  const embedded = readFlowFromPng(bytes);
  if (!embedded) throw new NoEmbeddedFlow('this PNG carries no Atelier flow (no iTXt chunk "atelier.flow")');
  const parsed = FlowSchema.safeParse(embedded.flow);
  if (!parsed.success) {
    throw new PngMetaError(`the embedded flow is not an atelier.flow/1 document: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return { ...embedded, flow: parsed.data };
}
