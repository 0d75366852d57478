// The one editor store: catalog, graph, undo history, run state keyed by node id, UI state.
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import { create } from 'zustand';
import type { CatalogNode, CatalogResponse, FlowSummary, RunSummary, ValidationIssue } from '../api/types';
import { checkConnection, firstCompatiblePort, reaches } from '../graph/compat';
import { edgeFor } from '../graph/flow-doc';
import { newEdgeId, newNodeId } from '../graph/ids';
import { defaultParams } from '../graph/schema-defaults';
import { ESTIMATED_NODE, freeOffset, rectOf } from '../graph/free-space';
import type { EditorAnnotation, FlowMeta, GraphEdge, GraphNode } from '../graph/types';
import type { RunView } from './run-state';
import type { Draft } from './drafts';
import type { ProviderStatus } from '../problems/checks';

export interface Catalog {
  nodes: CatalogNode[];
  byType: Map<string, CatalogNode>;
}

/** A dragged link dropped on empty canvas: the new node gets linked to it. */
export interface PendingLink {
  nodeId: string;
  handle: string;
  side: 'source' | 'target';
  dataType: string;
}

export type Dialog =
  | { kind: 'search'; screen: XYPosition; flow: XYPosition; link?: PendingLink }
  | { kind: 'node-menu'; nodeId: string; screen: XYPosition }
  | { kind: 'pane-menu'; screen: XYPosition; flow: XYPosition }
  | { kind: 'annotation-menu'; annotationId: string; screen: XYPosition }
  | { kind: 'conflict'; currentRevision?: number }
  | { kind: 'headless' }
  | { kind: 'shortcuts' }
  | { kind: 'image'; url: string; title: string }
  | { kind: 'prompt'; title: string; label: string; value: string; confirm: string; onSubmit: (value: string) => void }
  | { kind: 'confirm'; title: string; text: string; confirm: string; onConfirm: () => void }
  | { kind: 'unsaved'; then: () => void };

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

interface Snapshot {
  nodes: GraphNode[];
  edges: GraphEdge[];
  meta: FlowMeta;
  /** Absent in snapshots taken by code that edits only nodes: the annotations then stay as they are. */
  annotations?: EditorAnnotation[];
}

export interface EditorState {
  catalog: Catalog | null;
  catalogError?: string;
  flowId: string | null;
  meta: FlowMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Groups and sticky notes (store/annotations.ts edits them). */
  annotations: EditorAnnotation[];
  selection: string[];
  dirty: boolean;
  past: Snapshot[];
  future: Snapshot[];
  lastCheckpointKey?: string;
  lastCheckpointAt: number;
  run: RunView | null;
  issues: Record<string, ValidationIssue[]>;
  flowIssues: ValidationIssue[];
  dialog: Dialog | null;
  toasts: Toast[];
  theme: 'dark' | 'light';
  sidebar: 'nodes' | 'flows' | 'runs' | 'gallery' | 'keys';
  flows: FlowSummary[];
  runs: RunSummary[];
  socket: 'connecting' | 'open' | 'closed';
  /** Counts flow loads, so the canvas fits each loaded flow once. */
  loads: number;
  /** True until the flow or run named in the URL is loaded. */
  booting: boolean;
  /** Set when the loaded flow has been drawn (for tests and the benchmark). */
  drawnAt?: number;
  /** Unsaved changes kept from an earlier visit, offered back. */
  draftOffer: Draft | null;
  /** The open flow's problems as the server sees them now (checked as it is edited). */
  problems: ValidationIssue[];
  problemsError?: string;
  /** Node types that cannot run for lack of a key: type → what is missing. */
  missingKeys: Record<string, string>;
  providers: ProviderStatus[] | null;
}

export const emptyMeta = (): FlowMeta => ({ name: 'Untitled flow', revision: 0, inputs: {}, outputs: {} });

const initialTheme = (): 'dark' | 'light' => (document.documentElement.dataset.theme === 'light' ? 'light' : 'dark');

export const useEditor = create<EditorState>()(() => ({
  catalog: null,
  flowId: null,
  meta: emptyMeta(),
  nodes: [],
  edges: [],
  annotations: [],
  selection: [],
  dirty: false,
  past: [],
  future: [],
  lastCheckpointAt: 0,
  run: null,
  issues: {},
  flowIssues: [],
  dialog: null,
  toasts: [],
  theme: initialTheme(),
  sidebar: 'nodes',
  flows: [],
  runs: [],
  socket: 'connecting',
  booting: true,
  loads: 0,
  draftOffer: null,
  problems: [],
  missingKeys: {},
  providers: null,
}));

const get = useEditor.getState;
const set = useEditor.setState;

/**
 * Case-insensitive order by UTF-16 code units. Not localeCompare: its first call builds ICU's
 * collator, ~15–50 ms on the main thread while the editor starts; catalog titles are plain text.
 */
function compareText(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

export function setCatalog(response: CatalogResponse): void {
  performance.mark('atelier:catalog');
  const nodes = [...response.nodes].sort((a, b) => compareText(a.category, b.category) || compareText(a.title, b.title));
  set({ catalog: { nodes, byType: new Map(nodes.map((n) => [n.type, n])) } });
}

export function specOf(atype: string): CatalogNode | undefined {
  return get().catalog?.byType.get(atype);
}

let toastId = 0;
export function toast(text: string, kind: Toast['kind'] = 'info', ms = kind === 'error' ? 7000 : 3500): void {
  const id = ++toastId;
  set((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text }] }));
  setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), ms);
}

export function openDialog(dialog: Dialog | null): void {
  set({ dialog });
}

// ---- undo history ----

const HISTORY_LIMIT = 100;

/** Records the current graph before a change. Repeated edits of one field within a second coalesce. */
export function checkpoint(coalesceKey?: string): void {
  const s = get();
  const now = Date.now();
  if (coalesceKey && coalesceKey === s.lastCheckpointKey && now - s.lastCheckpointAt < 1000) {
    set({ lastCheckpointAt: now });
    return;
  }
  set({
    past: [...s.past.slice(-(HISTORY_LIMIT - 1)), { nodes: s.nodes, edges: s.edges, meta: s.meta, annotations: s.annotations }],
    future: [],
    lastCheckpointKey: coalesceKey,
    lastCheckpointAt: now,
  });
}

/** Runs graph edits that make no undo step (setting up a fresh flow). */
export function withoutUndo(edit: () => void): void {
  const past = get().past;
  edit();
  set({ past, future: [] });
}

export function undo(): void {
  const s = get();
  const prev = s.past[s.past.length - 1];
  if (!prev) return;
  set({
    past: s.past.slice(0, -1),
    future: [...s.future, { nodes: s.nodes, edges: s.edges, meta: s.meta, annotations: s.annotations }],
    nodes: prev.nodes,
    edges: prev.edges,
    meta: prev.meta,
    annotations: prev.annotations ?? s.annotations,
    dirty: true,
    lastCheckpointKey: undefined,
  });
}

export function redo(): void {
  const s = get();
  const next = s.future[s.future.length - 1];
  if (!next) return;
  set({
    future: s.future.slice(0, -1),
    past: [...s.past, { nodes: s.nodes, edges: s.edges, meta: s.meta, annotations: s.annotations }],
    nodes: next.nodes,
    edges: next.edges,
    meta: next.meta,
    annotations: next.annotations ?? s.annotations,
    dirty: true,
    lastCheckpointKey: undefined,
  });
}

// ---- graph edits ----

export function onNodesChange(changes: NodeChange<GraphNode>[]): void {
  const s = get();
  const edits = changes.some((c) => c.type === 'remove' || c.type === 'add' || (c.type === 'position' && c.dragging === false));
  set({ nodes: applyNodeChanges(changes, s.nodes), ...(edits && { dirty: true }) });
}

export function onEdgesChange(changes: EdgeChange<GraphEdge>[]): void {
  const s = get();
  const edits = changes.some((c) => c.type === 'remove' || c.type === 'add');
  set({ edges: applyEdgeChanges(changes, s.edges), ...(edits && { dirty: true }) });
}

function nodeSpec(nodeId: string): CatalogNode | undefined {
  const node = get().nodes.find((n) => n.id === nodeId);
  return node ? specOf(node.data.atype) : undefined;
}

export function validateConnection(c: Connection | GraphEdge): { ok: boolean; reason?: string } {
  if (!c.sourceHandle || !c.targetHandle) return { ok: false, reason: 'Links go from an output port to an input port' };
  const check = checkConnection(
    { nodeId: c.source, handle: c.sourceHandle, spec: nodeSpec(c.source) },
    { nodeId: c.target, handle: c.targetHandle, spec: nodeSpec(c.target) },
  );
  if (!check.ok) return check;
  if (reaches(get().edges, c.target, c.source)) return { ok: false, reason: 'This link would make a cycle' };
  return check;
}

/** Adds a link; an input holds one link, so an existing one on that input is replaced. */
export function connect(c: Connection): boolean {
  const check = validateConnection(c);
  if (!check.ok) {
    toast(check.reason ?? 'These ports cannot be linked', 'error');
    return false;
  }
  checkpoint();
  const s = get();
  const kept = s.edges.filter((e) => !(e.target === c.target && e.targetHandle === c.targetHandle));
  const id = newEdgeId(c.source, c.sourceHandle!, c.target, c.targetHandle!, new Set(kept.map((e) => e.id)));
  const dataType = nodeSpec(c.source)?.outputs[c.sourceHandle!]?.type;
  const edge = edgeFor({ id, source: c.source, sourceHandle: c.sourceHandle!, target: c.target, targetHandle: c.targetHandle! }, dataType);
  set({ edges: [...kept, edge], dirty: true });
  return true;
}

export function addNode(atype: string, position: XYPosition, link?: PendingLink, params?: Record<string, unknown>): string | undefined {
  const spec = specOf(atype);
  if (!spec) {
    toast(`Unknown node type ${atype}`, 'error');
    return undefined;
  }
  checkpoint();
  const id = insertNodes([{ atype, position, params }])[0];
  if (link) {
    if (link.side === 'source') {
      const port = firstCompatiblePort(spec, 'inputs', link.dataType);
      if (port) connectWithoutCheckpoint({ source: link.nodeId, sourceHandle: link.handle, target: id, targetHandle: port });
    } else {
      const port = firstCompatiblePort(spec, 'outputs', link.dataType);
      if (port) connectWithoutCheckpoint({ source: id, sourceHandle: port, target: link.nodeId, targetHandle: link.handle });
    }
  }
  return id;
}

export interface NewNode {
  atype: string;
  position: XYPosition;
  /** Set over the type's defaults. */
  params?: Record<string, unknown>;
}

/** Adds several nodes as one undo step (dropped or pasted images); they become the selection. */
export function addNodes(list: NewNode[]): string[] {
  const known = list.filter((n) => specOf(n.atype));
  if (!known.length) return [];
  checkpoint();
  return insertNodes(known);
}

/** New nodes keep their places relative to each other and move, together, to free space near where they were wanted. */
function insertNodes(list: NewNode[]): string[] {
  const s = get();
  const taken = new Set(s.nodes.map((n) => n.id));
  const offset = freeOffset(list.map((n) => ({ ...n.position, ...ESTIMATED_NODE })), s.nodes.map(rectOf));
  const added: GraphNode[] = list.map(({ atype, position, params }) => {
    const id = newNodeId(atype, taken);
    taken.add(id);
    const at = { x: position.x + offset.x, y: position.y + offset.y };
    return { id, type: 'atelier', position: at, selected: true, data: { atype, params: { ...defaultParams(specOf(atype)!.params), ...params } } };
  });
  set({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added], dirty: true });
  return added.map((n) => n.id);
}

function connectWithoutCheckpoint(c: Connection): void {
  const past = get().past;
  if (connect(c)) set({ past });
}

export function updateParam(nodeId: string, key: string, value: unknown): void {
  updateParams(nodeId, { [key]: value }, `param:${nodeId}.${key}`);
}

/** Sets several params at once (one undo step); `undefined` removes a param. */
export function updateParams(nodeId: string, patch: Record<string, unknown>, coalesceKey?: string): void {
  checkpoint(coalesceKey);
  set((s) => {
    let issues = s.issues;
    for (const key of Object.keys(patch)) issues = clearIssue(issues, nodeId, key);
    return {
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId) return n;
        const params = { ...n.data.params };
        for (const [key, value] of Object.entries(patch)) {
          if (value === undefined) delete params[key];
          else params[key] = value;
        }
        return { ...n, data: { ...n.data, params } };
      }),
      dirty: true,
      issues,
    };
  });
}

function clearIssue(issues: EditorState['issues'], nodeId: string, field: string): EditorState['issues'] {
  const list = issues[nodeId];
  if (!list?.some((i) => i.field === field)) return issues;
  const rest = list.filter((i) => i.field !== field);
  const next = { ...issues };
  if (rest.length) next[nodeId] = rest;
  else delete next[nodeId];
  return next;
}

export function updateNodeData(nodeId: string, patch: { label?: string; pinned?: boolean }): void {
  checkpoint(`data:${nodeId}.${Object.keys(patch).join()}`);
  set((s) => ({
    nodes: s.nodes.map((n) => {
      if (n.id !== nodeId) return n;
      const data = { ...n.data, ...patch };
      if (data.label === '') delete data.label;
      if (data.pinned === false) delete data.pinned;
      return { ...n, data };
    }),
    dirty: true,
  }));
}

export function setFlowName(name: string): void {
  checkpoint('name');
  set((s) => ({ meta: { ...s.meta, name }, dirty: true }));
}

export function setFlowDescription(description: string): void {
  checkpoint('description');
  set((s) => ({ meta: { ...s.meta, description: description || undefined }, dirty: true }));
}

export function setFlowInput(name: string, binding: { node: string; param: string } | null, replacing?: string): void {
  checkpoint();
  set((s) => {
    const inputs = { ...s.meta.inputs };
    if (replacing) delete inputs[replacing];
    if (binding) inputs[name] = binding;
    else delete inputs[name];
    return { meta: { ...s.meta, inputs }, dirty: true };
  });
}

export function setFlowOutput(name: string, binding: { node: string; port: string } | null, replacing?: string): void {
  checkpoint();
  set((s) => {
    const outputs = { ...s.meta.outputs };
    if (replacing) delete outputs[replacing];
    if (binding) outputs[name] = binding;
    else delete outputs[name];
    return { meta: { ...s.meta, outputs }, dirty: true };
  });
}

// ---- clipboard ----

let clipboard: { nodes: GraphNode[]; edges: GraphEdge[] } | null = null;

export function copySelection(): number {
  const s = get();
  const nodes = s.nodes.filter((n) => n.selected);
  if (!nodes.length) return 0;
  const ids = new Set(nodes.map((n) => n.id));
  clipboard = { nodes: structuredClone(nodes), edges: structuredClone(s.edges.filter((e) => ids.has(e.source) && ids.has(e.target))) };
  return nodes.length;
}

/** Pastes the copied nodes next to the originals (or at `at`, their top-left), in free space. */
export function paste(at?: XYPosition): void {
  if (!clipboard?.nodes.length) return;
  checkpoint();
  const s = get();
  const left = Math.min(...clipboard.nodes.map((n) => n.position.x));
  const top = Math.min(...clipboard.nodes.map((n) => n.position.y));
  const wanted = at ? { x: at.x - left, y: at.y - top } : { x: 40, y: 40 };
  const free = freeOffset(clipboard.nodes.map((n) => ({ ...rectOf(n), x: n.position.x + wanted.x, y: n.position.y + wanted.y })), s.nodes.map(rectOf));
  const offset = { x: wanted.x + free.x, y: wanted.y + free.y };
  const taken = new Set(s.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const added: GraphNode[] = clipboard.nodes.map((n) => {
    const id = newNodeId(n.data.atype, taken);
    taken.add(id);
    rename.set(n.id, id);
    return { ...structuredClone(n), id, selected: true, position: { x: n.position.x + offset.x, y: n.position.y + offset.y }, measured: undefined };
  });
  const edgeIds = new Set(s.edges.map((e) => e.id));
  const addedEdges = clipboard.edges.map((e) => {
    const source = rename.get(e.source)!;
    const target = rename.get(e.target)!;
    const id = newEdgeId(source, e.sourceHandle!, target, e.targetHandle!, edgeIds);
    edgeIds.add(id);
    return { ...e, id, source, target, selected: false };
  });
  // The pasted copies move on, so pasting again cascades instead of stacking.
  clipboard = { nodes: added.map((n) => ({ ...n, selected: false })), edges: addedEdges };
  set({
    nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
    edges: [...s.edges, ...addedEdges],
    dirty: true,
  });
}

/** Makes exactly these nodes the selection. */
export function selectNodes(ids: string[]): void {
  const wanted = new Set(ids);
  set((s) => ({ nodes: s.nodes.map((n) => (!!n.selected === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })) }));
}

export function selectAll(): void {
  set((s) => ({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })), edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })) }));
}

export function duplicateSelection(): void {
  const saved = clipboard;
  if (copySelection()) paste();
  clipboard = saved;
}

export function deleteNodes(ids: string[]): void {
  if (!ids.length) return;
  checkpoint();
  const gone = new Set(ids);
  set((s) => ({
    nodes: s.nodes.filter((n) => !gone.has(n.id)),
    edges: s.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
    dirty: true,
  }));
}

export function applyLayout(positions: Map<string, XYPosition>): void {
  checkpoint();
  set((s) => ({ nodes: s.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n)), dirty: true }));
}

export function setTheme(theme: 'dark' | 'light'): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem('atelier.theme', theme);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  set({ theme });
}
