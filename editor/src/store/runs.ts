// Starting, cancelling and following runs; events arrive on one WebSocket.
import { flushSync } from 'react-dom';
import { ApiError, api } from '../api/client';
import { nextFrame } from '../frame';
import { RunSocket } from '../api/socket';
import type { RunEvent, RunTarget, ValidationIssue } from '../api/types';
import { currentFlow, loadFlowDocument, setUrl } from './files';
import { applyRunEvent, caughtUp, emptyRun, isLive, runFromRecord, type RunView } from './run-state';
import { linkedRuns, noteUnsavedRun } from './run-links';
import { toast, useEditor } from './store';

const get = useEditor.getState;
const set = useEditor.setState;

let socket: RunSocket | null = null;

/**
 * A run record carries no seq, so after showing one we replay its events from the start into
 * a shadow run and switch to it once it has caught up with the record — the screen never
 * steps back to an earlier state while the replay streams in.
 */
let catchUp: { shadow: RunView; record: RunView } | null = null;

export function startEventStream(): void {
  if (socket) return;
  socket = new RunSocket(onEvent, (state) => set({ socket: state }));
  socket.connect();
  socket.subscribeRuns();
}

const pending: RunEvent[] = [];
let cancelFlush: (() => void) | null = null;

/**
 * Queues a run event; queued events are applied together once per frame, so a burst of
 * events costs one render, not one each.
 */
export function onEvent(event: RunEvent): void {
  pending.push(event);
  cancelFlush ??= nextFrame(flushEvents);
}

export function flushEvents(): void {
  cancelFlush?.();
  cancelFlush = null;
  // Fast path: events of the run on screen fold into one state change; anything else
  // (another run starting, a replay catching up) goes through applyEvent one by one.
  // A node whose status changes twice in one batch is rendered in between, so every
  // status a node takes reaches the page (data-status) at least once.
  let run = get().run;
  let changed = new Set<string>();
  let finished: string | undefined;
  const commit = (sync: boolean) => {
    changed = new Set();
    if (run === get().run) return;
    const next = run;
    if (sync) flushSync(() => set({ run: next }));
    else set({ run: next });
  };
  for (const event of pending.splice(0)) {
    if (run && event.runId === run.id && !catchUp && event.type !== 'run.queued') {
      const nodeId = 'nodeId' in event ? event.nodeId : undefined;
      const before = nodeId ? run.nodes[nodeId]?.status : undefined;
      const next = applyRunEvent(run, event);
      if (nodeId && next.nodes[nodeId]?.status !== before) {
        if (changed.has(nodeId)) commit(true);
        changed.add(nodeId);
      }
      run = next;
      if (event.type === 'run.finished') finished = event.status;
      continue;
    }
    commit(true);
    // run.queued puts nodes in `queued`: rendered before their next status in this batch.
    if (event.type === 'run.queued') flushSync(() => applyEvent(event));
    else applyEvent(event);
    run = get().run;
  }
  commit(false);
  if (finished) onRunFinished(finished);
}

/** Applies one run event to the run on screen; a new run of the open flow (another tab) is joined. */
function applyEvent(event: RunEvent): void {
  const s = get();
  if (event.type === 'run.queued' && s.run?.id !== event.runId) {
    if (!s.flowId || event.flowId !== s.flowId) return;
    followRun(event.runId, event.seq - 1);
  }
  if (catchUp && catchUp.shadow.id === event.runId) {
    catchUp.shadow = applyRunEvent(catchUp.shadow, event);
    if (!caughtUp(catchUp.shadow, catchUp.record)) return;
    const shadow = catchUp.shadow;
    catchUp = null;
    if (get().run?.id === shadow.id) set({ run: shadow });
    if (!isLive(shadow.status)) onRunFinished(shadow.status);
    return;
  }
  const run = get().run;
  if (!run || run.id !== event.runId) return;
  const next = applyRunEvent(run, event);
  if (next === run) return;
  set({ run: next });
  if (event.type === 'run.finished') onRunFinished(event.status);
}

function onRunFinished(status: string): void {
  setUrl({ run: null });
  if (status === 'failed') {
    const failed = Object.entries(get().run?.nodes ?? {}).filter(([, n]) => n.status === 'failed');
    toast(failed.length ? `Run failed at ${failed.map(([id]) => id).join(', ')}` : 'Run failed', 'error');
  } else if (status === 'cancelled') toast('Run cancelled');
  void refreshRuns();
}

/** Shows a run from its start (or from `since`) and streams the rest. */
function followRun(runId: string, since = 0): void {
  const prev = get().run;
  if (prev && prev.id !== runId) socket?.unsubscribe(prev.id);
  catchUp = null;
  set({ run: emptyRun(runId, get().flowId ?? undefined), issues: {}, flowIssues: [] });
  set((s) => ({ run: s.run && { ...s.run, lastSeq: Math.max(0, since) } }));
  socket?.subscribe(runId, Math.max(0, since));
}

/** Shows a stored run: its record now, then live events after it (reload mid-run, ?run=). */
export async function attachRun(runId: string): Promise<void> {
  const record = await api.getRun(runId);
  const prev = get().run;
  if (prev && prev.id !== runId) socket?.unsubscribe(prev.id);
  const view = runFromRecord(record);
  set({ run: view });
  catchUp = null;
  if (isLive(record.status)) {
    setUrl({ run: runId });
    if (view.lastSeq === 0) catchUp = { shadow: emptyRun(runId, view.flowId), record: view };
    socket?.subscribe(runId, view.lastSeq);
  }
}

/** Opens a run on the flow it executed (`/?run=<id>`). */
export async function openRun(runId: string, options: { loadFlow: boolean }): Promise<void> {
  if (options.loadFlow) {
    const [record, flow] = await Promise.all([api.getRun(runId), api.getRunFlow(runId)]);
    loadFlowDocument(flow, record.flowId ?? null);
  }
  await attachRun(runId);
}

export async function run(target?: RunTarget): Promise<void> {
  const s = get();
  if (!s.nodes.length) {
    toast('Add some nodes first: drag them from the palette or double-click the canvas', 'error');
    return;
  }
  set({ issues: {}, flowIssues: [] });
  try {
    const { runId } = await api.startRun({ ...(s.flowId && { flowId: s.flowId }), flow: currentFlow(), ...(target && { target }) });
    if (!s.flowId) noteUnsavedRun(runId);
    if (get().run?.id !== runId) followRun(runId);
    setUrl({ run: runId });
    void refreshRuns(); // the queue lists it
  } catch (error) {
    if (error instanceof ApiError && error.code === 'invalid_flow') showIssues(error.details?.issues ?? [], error.message);
    else toast(`Run failed to start: ${(error as Error).message}`, 'error');
  }
}

export function showIssues(list: ValidationIssue[], message: string): void {
  const issues: Record<string, ValidationIssue[]> = {};
  const flowIssues: ValidationIssue[] = [];
  for (const issue of list) {
    if (issue.nodeId && get().nodes.some((n) => n.id === issue.nodeId)) (issues[issue.nodeId] ??= []).push(issue);
    else flowIssues.push(issue);
  }
  set({ issues, flowIssues });
  const count = list.length;
  toast(count ? `The flow is not valid: ${count} problem${count > 1 ? 's' : ''} (shown on the nodes)` : message, 'error');
}

export async function cancelRun(): Promise<void> {
  const current = get().run;
  if (!current || !isLive(current.status)) return;
  try {
    await api.cancelRun(current.id);
  } catch (error) {
    toast(`Cancel failed: ${(error as Error).message}`, 'error');
  }
}

/** The runs listed in the Runs tab: recent runs of every flow, with the open flow's linked runs. */
export async function refreshRuns(): Promise<void> {
  const flowId = get().flowId;
  try {
    const { runs } = await api.listRuns(undefined, 100);
    const known = new Set(runs.map((r) => r.id));
    const linked = flowId ? linkedRuns(flowId).filter((id) => !known.has(id)) : [];
    const extra = await Promise.all(linked.map((id) => api.getRun(id).then((r) => ({ id: r.id, flowId: flowId!, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt }), () => null)));
    const all = [...runs.map((r) => (flowId && linkedRuns(flowId).includes(r.id) ? { ...r, flowId } : r)), ...extra.filter((r) => r !== null)];
    all.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    set({ runs: all });
  } catch (error) {
    toast(`Could not list runs: ${(error as Error).message}`, 'error');
  }
}

/**
 * On opening a flow: show its latest run — live if it is still going, else its statuses,
 * outputs and timings — including runs made before the flow was first saved (linked here).
 */
export async function resumeLatestRun(flowId: string): Promise<void> {
  const { runs } = await api.listRuns(flowId, 1);
  const candidates = [...runs];
  for (const id of linkedRuns(flowId).slice(0, 1)) {
    const record = await api.getRun(id).catch(() => null);
    if (record) candidates.push({ id: record.id, status: record.status, startedAt: record.startedAt, finishedAt: record.finishedAt });
  }
  candidates.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const latest = candidates[0];
  // Someone may have opened another flow or started a run meanwhile.
  if (!latest || get().flowId !== flowId || get().run) return;
  await attachRun(latest.id);
}
