// Opening, saving (with revision conflicts), importing and exporting flow documents.
import type { Flow } from '../../../model/flow';
import { slugify, stringifyFlow } from '../../../model/flow-basics';
import { ApiError, api } from '../api/client';
import { flowToGraph, graphToFlow } from '../graph/flow-doc';
import { takeDraft } from './drafts';
import { attachUnsavedRuns, forgetUnsavedRuns } from './run-links';
import { emptyMeta, openDialog, toast, useEditor, type EditorState } from './store';

const get = useEditor.getState;
const set = useEditor.setState;

export function currentFlow(): Flow {
  const s = get();
  return graphToFlow(s.meta, s.nodes, s.edges, s.annotations);
}

export function setUrl(params: { flow?: string | null; run?: string | null }): void {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  if (url.href !== location.href) history.replaceState(null, '', url);
}

/** Replaces the canvas with a flow document. */
export function loadFlowDocument(flow: Flow, flowId: string | null, options: { dirty?: boolean } = {}): void {
  performance.mark('atelier:flow-received');
  const catalog = get().catalog;
  const { meta, nodes, edges, annotations } = flowToGraph(flow, catalog?.byType ?? new Map());
  const draftOffer = options.dirty ? null : takeDraft(flowId, flow);
  set({
    draftOffer,
    flowId,
    meta,
    nodes,
    edges,
    annotations,
    dirty: options.dirty ?? false,
    past: [],
    future: [],
    issues: {},
    flowIssues: [],
    selection: [],
    drawnAt: undefined,
    loads: get().loads + 1,
  });
  const unknown = [...new Set(flow.nodes.map((n) => n.type).filter((t) => catalog && !catalog.byType.has(t)))];
  if (unknown.length) toast(`This flow uses node types the server does not know: ${unknown.join(', ')}`, 'error');
  setUrl({ flow: flowId });
}

export function newFlow(): void {
  forgetUnsavedRuns();
  const meta = emptyMeta();
  const draftOffer = takeDraft(null, graphToFlow(meta, [], []));
  set({ flowId: null, meta, nodes: [], edges: [], annotations: [], dirty: false, past: [], future: [], issues: {}, flowIssues: [], run: null, draftOffer });
  setUrl({ flow: null, run: null });
}

/** Takes (true) or drops the offered draft. A taken draft keeps the revision it was based on. */
export function restoreDraft(take: boolean): void {
  const offer = get().draftOffer;
  set({ draftOffer: null });
  if (!offer || !take) return;
  loadFlowDocument(offer.flow, offer.flowId, { dirty: true });
  toast(`Restored unsaved changes to “${offer.flow.name}” — save to keep them`);
}

export async function openFlow(id: string, prefetched?: Promise<Flow>): Promise<void> {
  const flow = await (prefetched ?? api.getFlow(id));
  loadFlowDocument(flow, id);
  set({ run: null });
  setUrl({ run: null });
}

export async function refreshFlows(): Promise<void> {
  try {
    const { flows } = await api.listFlows();
    set({ flows: [...flows].sort((a, b) => a.name.localeCompare(b.name)) });
  } catch (error) {
    toast(`Could not list flows: ${(error as Error).message}`, 'error');
  }
}

/** The parts of the editor a save sends: what is on screen is saved when these are unchanged. */
type Sent = Pick<EditorState, 'nodes' | 'edges' | 'annotations' | 'meta'>;

const changedSince = (sent: Sent, s: Sent) => s.nodes !== sent.nodes || s.edges !== sent.edges || s.annotations !== sent.annotations || s.meta !== sent.meta;

/** An edit made while the save was in flight stays unsaved (dirty, kept as a draft) on the new revision. */
function afterSave(sent: Sent, id: string, revision: number, name?: string): void {
  if (!get().flowId) void attachUnsavedRuns(id);
  set((s) => ({ flowId: id, meta: { ...s.meta, revision, ...(name && { name }) }, dirty: changedSince(sent, s), dialog: null }));
  setUrl({ flow: id });
  toast(`Saved “${get().meta.name}” (revision ${revision})`);
  void refreshFlows();
}

/** Saves to the open flow's id (PUT with the loaded revision) or creates a new flow. */
export async function saveFlow(): Promise<boolean> {
  const s = get();
  const flow = currentFlow();
  try {
    if (s.flowId) {
      const saved = await api.saveFlow(s.flowId, flow);
      afterSave(s, saved.id, saved.revision);
    } else {
      const saved = await api.createFlow(flow);
      afterSave(s, saved.id, saved.revision);
    }
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'revision_conflict') {
      openDialog({ kind: 'conflict', currentRevision: error.details?.currentRevision });
      return false;
    }
    toast(`Save failed: ${(error as Error).message}`, 'error');
    return false;
  }
}

export async function resolveConflict(choice: 'reload' | 'overwrite' | 'copy'): Promise<void> {
  const s = get();
  if (!s.flowId) return;
  try {
    if (choice === 'reload') {
      await openFlow(s.flowId);
      set({ dialog: null });
      toast('Reloaded the saved version');
    } else if (choice === 'overwrite') {
      const latest = await api.getFlow(s.flowId);
      const sent = get();
      const saved = await api.saveFlow(s.flowId, { ...currentFlow(), revision: latest.revision ?? 0 });
      afterSave(sent, saved.id, saved.revision);
    } else {
      const name = `${s.meta.name} (copy)`;
      const saved = await api.createFlow({ ...currentFlow(), name, revision: 0 });
      afterSave(s, saved.id, saved.revision, name);
    }
  } catch (error) {
    toast(`${choice} failed: ${(error as Error).message}`, 'error');
  }
}

export async function renameFlow(id: string, name: string): Promise<void> {
  const s = get();
  if (id === s.flowId) {
    set({ meta: { ...s.meta, name } });
    await saveFlow();
    return;
  }
  const flow = await api.getFlow(id);
  await api.saveFlow(id, { ...flow, name });
  await refreshFlows();
}

export async function duplicateFlow(id: string): Promise<void> {
  const flow = id === get().flowId ? currentFlow() : await api.getFlow(id);
  const name = `${flow.name} (copy)`;
  const saved = await api.createFlow({ ...flow, name, revision: 0 });
  await refreshFlows();
  toast(`Duplicated as “${name}”`);
  await openFlow(saved.id);
}

export async function deleteFlow(id: string): Promise<void> {
  await api.deleteFlow(id);
  if (get().flowId === id) set({ flowId: null, dirty: true });
  await refreshFlows();
  toast('Flow deleted');
}

export function exportFlow(): void {
  const flow = currentFlow();
  const blob = new Blob([stringifyFlow(flow)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${get().flowId ?? slugify(flow.name)}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Parses an imported file; the result is a new, unsaved flow. */
export function importFlowText(text: string): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    toast(`Import failed: not JSON (${(error as Error).message}); Import takes a flow .json or an image`, 'error');
    return Promise.resolve();
  }
  return importFlowDocument(raw);
}

/** The schema (and zod with it) loads on the first import, not with the page. */
export async function importFlowDocument(raw: unknown): Promise<void> {
  let FlowSchema: (typeof import('../../../model/flow'))['FlowSchema'];
  try {
    ({ FlowSchema } = await import('../../../model/flow'));
  } catch (error) {
    toast(`Import failed: the flow checker did not load (${(error as Error).message}); reload the page and try again`, 'error');
    return;
  }
  const parsed = FlowSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    toast(`Import failed: ${first?.path.join('.') || 'document'}: ${first?.message}`, 'error');
    return;
  }
  loadFlowDocument({ ...parsed.data, revision: 0 }, null, { dirty: true });
  set({ run: null });
  setUrl({ run: null });
  toast(`Imported “${parsed.data.name}” — save it to keep it`);
}
