// Store actions for groups and sticky notes. Every edit is an undo step and marks the flow unsaved.
import type { NodeChange, XYPosition } from '@xyflow/react';
import { MAX_ANNOTATIONS } from '../../../model/flow-basics';
import { newNodeId } from '../graph/ids';
import { rectOf, type Rect } from '../graph/free-space';
import type { EditorAnnotation, GraphNode } from '../graph/types';
import { checkpoint, toast, useEditor } from '../store/store';
import { annotationIdOf } from './annotation-nodes';

const get = useEditor.getState;
const set = useEditor.setState;

export const NOTE_SIZE = { width: 220, height: 140 };
export const GROUP_SIZE = { width: 480, height: 300 };
/** Room kept around the nodes a new group is drawn around (the top one holds its title). */
const GROUP_PADDING = { side: 30, top: 56 };

export function addAnnotation(kind: EditorAnnotation['kind'], rect: Rect, extra: Pick<EditorAnnotation, 'title' | 'text' | 'color'> = {}): string | undefined {
  const s = get();
  if (s.annotations.length >= MAX_ANNOTATIONS) {
    toast(`A flow holds at most ${MAX_ANNOTATIONS} groups and notes`, 'error');
    return undefined;
  }
  checkpoint();
  const id = newNodeId(kind, new Set(s.annotations.map((a) => a.id)));
  const annotation: EditorAnnotation = { id, kind, position: { x: rect.x, y: rect.y }, size: { width: rect.width, height: rect.height }, ...extra };
  set({ annotations: [...s.annotations.map((a) => (a.selected ? { ...a, selected: false } : a)), annotation], dirty: true });
  return id;
}

export function addNote(at: XYPosition): string | undefined {
  return addAnnotation('note', { ...at, ...NOTE_SIZE }, { text: '' });
}

/** A group around the selected nodes, or an empty one at `at` when none is selected. */
export function addGroup(at: XYPosition): string | undefined {
  const selected = get().nodes.filter((n) => n.selected).map(rectOf);
  if (!selected.length) return addAnnotation('group', { ...at, ...GROUP_SIZE }, { title: 'Group' });
  const x0 = Math.min(...selected.map((r) => r.x)) - GROUP_PADDING.side;
  const y0 = Math.min(...selected.map((r) => r.y)) - GROUP_PADDING.top;
  const x1 = Math.max(...selected.map((r) => r.x + r.width)) + GROUP_PADDING.side;
  const y1 = Math.max(...selected.map((r) => r.y + r.height)) + GROUP_PADDING.side;
  return addAnnotation('group', { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, { title: 'Group' });
}

/** Renames a group, edits a note's text or recolours either; typing coalesces into one undo step. */
export function updateAnnotation(id: string, patch: Partial<Pick<EditorAnnotation, 'title' | 'text' | 'color'>>): void {
  checkpoint(`annotation:${id}.${Object.keys(patch).join()}`);
  set((s) => ({ annotations: s.annotations.map((a) => (a.id === id ? { ...a, ...patch } : a)), dirty: true }));
}

export function removeAnnotations(ids: string[]): void {
  const gone = new Set(ids);
  if (!get().annotations.some((a) => gone.has(a.id))) return;
  checkpoint();
  set((s) => ({ annotations: s.annotations.filter((a) => !gone.has(a.id)), dirty: true }));
}

const inside = (r: Rect, frame: Rect) => r.x >= frame.x && r.y >= frame.y && r.x + r.width <= frame.x + frame.width && r.y + r.height <= frame.y + frame.height;
const rectOfAnnotation = (a: EditorAnnotation): Rect => ({ ...a.position, ...a.size });

/** What a dragged group carries: the nodes and notes inside it when the drag starts. */
let carried: { group: string; nodes: Set<string>; notes: Set<string> } | null = null;

export function startAnnotationDrag(id: string): void {
  const s = get();
  const group = s.annotations.find((a) => a.id === id);
  carried = null;
  if (group?.kind !== 'group') return;
  const frame = rectOfAnnotation(group);
  carried = {
    group: id,
    nodes: new Set(s.nodes.filter((n) => !n.selected && inside(rectOf(n), frame)).map((n) => n.id)),
    notes: new Set(s.annotations.filter((a) => a.id !== id && !a.selected && inside(rectOfAnnotation(a), frame)).map((a) => a.id)),
  };
}

/** Applies React Flow's changes to annotation nodes (ids already mapped back): move, resize, select, remove. */
export function applyAnnotationChanges(changes: NodeChange<GraphNode>[]): void {
  const s = get();
  const byId = new Map(s.annotations.map((a) => [a.id, a]));
  let moved: { dx: number; dy: number } | null = null;
  let edited = false;
  const removed = new Set<string>();
  for (const change of changes) {
    if (change.type === 'add' || change.type === 'replace') continue;
    const id = annotationIdOf(change.id);
    const current = id && byId.get(id);
    if (!current) continue;
    if (change.type === 'remove') removed.add(current.id);
    else if (change.type === 'select') byId.set(current.id, { ...current, selected: change.selected });
    else if (change.type === 'position' && change.position) {
      if (carried?.group === current.id) moved = { dx: change.position.x - current.position.x, dy: change.position.y - current.position.y };
      byId.set(current.id, { ...current, position: change.position });
      edited ||= change.dragging === false;
    } else if (change.type === 'dimensions' && change.setAttributes && change.dimensions) {
      byId.set(current.id, { ...current, size: { width: change.dimensions.width, height: change.dimensions.height } });
      edited = true;
    }
  }
  // Deleting with the keyboard made its undo step already (the canvas's onBeforeDelete).
  if (removed.size) edited = true;
  const annotations = s.annotations.filter((a) => !removed.has(a.id)).map((a) => byId.get(a.id)!);
  const shift = moved && carried ? carryAlong(s.nodes, annotations, carried, moved) : { nodes: s.nodes, annotations };
  set({ ...shift, ...((edited || moved) && { dirty: true }) });
}

function carryAlong(nodes: GraphNode[], annotations: EditorAnnotation[], what: NonNullable<typeof carried>, { dx, dy }: { dx: number; dy: number }) {
  const by = (p: XYPosition) => ({ x: p.x + dx, y: p.y + dy });
  return {
    nodes: what.nodes.size ? nodes.map((n) => (what.nodes.has(n.id) ? { ...n, position: by(n.position) } : n)) : nodes,
    annotations: what.notes.size ? annotations.map((a) => (what.notes.has(a.id) ? { ...a, position: by(a.position) } : a)) : annotations,
  };
}
