// Never lose work: while the open flow has unsaved changes, it is also kept as a draft in
// localStorage (one per flow id, `new` for an unsaved flow) and offered back after a reload or
// crash; leaving the page with unsaved changes asks first (beforeunload).
import type { Flow } from '../../../model/flow';
import { graphToFlow } from '../graph/flow-doc';
import { toast, useEditor } from './store';

export interface Draft {
  flowId: string | null;
  flow: Flow;
  /** ISO time of the last change kept. */
  savedAt: string;
}

const PREFIX = 'atelier.draft:';
/** Quiet time before a change is written (a drag writes once, at its end). */
const WRITE_DELAY_MS = 250;

const keyOf = (flowId: string | null) => PREFIX + (flowId ?? 'new');

function read(flowId: string | null): Draft | null {
  try {
    const text = localStorage.getItem(keyOf(flowId));
    if (!text) return null;
    const draft = JSON.parse(text) as Draft;
    return draft && typeof draft.savedAt === 'string' && draft.flow && Array.isArray(draft.flow.nodes) ? draft : null;
  } catch {
    return null;
  }
}

function remove(flowId: string | null): void {
  try {
    localStorage.removeItem(keyOf(flowId));
  } catch {
    /* storage unavailable: nothing was kept */
  }
}

let storageFailed = false;

function write(): void {
  const s = useEditor.getState();
  if (!s.dirty) return remove(s.flowId);
  const draft: Draft = { flowId: s.flowId, flow: graphToFlow(s.meta, s.nodes, s.edges, s.annotations), savedAt: new Date().toISOString() };
  try {
    localStorage.setItem(keyOf(s.flowId), JSON.stringify(draft));
    storageFailed = false;
  } catch (error) {
    if (!storageFailed) toast(`Unsaved changes cannot be kept as a draft in this browser (${(error as Error).message}); save to keep them`, 'error');
    storageFailed = true;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;

/** Writes a pending draft now (the page is being left). */
export function flushDraft(): void {
  if (timer === undefined) return;
  clearTimeout(timer);
  timer = undefined;
  write();
}

/**
 * Takes the draft kept for a flow being opened (removing it from storage, so edits from now on
 * start a new one) when it differs from what is being opened; the editor offers it back.
 */
export function takeDraft(flowId: string | null, opened: Flow): Draft | null {
  const draft = read(flowId);
  if (!draft) return null;
  remove(flowId);
  const same = JSON.stringify({ ...draft.flow, revision: 0 }) === JSON.stringify({ ...opened, revision: 0 });
  return same ? null : draft;
}

/** Starts keeping drafts and guarding unload; returns a stop function. */
export function startDrafts(): () => void {
  const unsubscribe = useEditor.subscribe((s, prev) => {
    if (s.nodes === prev.nodes && s.edges === prev.edges && s.annotations === prev.annotations && s.meta === prev.meta && s.dirty === prev.dirty && s.flowId === prev.flowId) return;
    if (s.flowId !== prev.flowId && prev.dirty && !s.dirty) remove(prev.flowId);
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      write();
    }, WRITE_DELAY_MS);
  });
  const beforeUnload = (event: BeforeUnloadEvent) => {
    flushDraft();
    if (!useEditor.getState().dirty) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers show the prompt only when this is set
  };
  const pageHide = () => flushDraft();
  window.addEventListener('beforeunload', beforeUnload);
  window.addEventListener('pagehide', pageHide);
  return () => {
    unsubscribe();
    window.removeEventListener('beforeunload', beforeUnload);
    window.removeEventListener('pagehide', pageHide);
  };
}
