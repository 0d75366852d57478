// A `flow:<id>` node has no events of its own: its inner nodes' events carry the path
// (`sub1/seg`, nested `d/a/seg`). This derives each subflow node's display state from its inner
// nodes, so its status dot follows the run: failed if any failed, running while any runs (or some
// are done and some wait), succeeded (or cached, when all were) once all are done. Pure: run-state
// calls it after folding an event. Flows with subflows have at most 2,000 expanded nodes (the
// engine's limit), so one pass over the nodes per inner event stays cheap.

export interface NodeLike {
  status: string;
  costUsd?: number | null;
  /** Set on states derived here (not a node of the run). */
  subflow?: true;
}

/** Every subflow path in these node ids: `d/a/seg` → `d`, `d/a`. */
function subflowPaths(ids: Iterable<string>, only?: string): Set<string> {
  const paths = new Set<string>();
  for (const id of only !== undefined ? [only] : ids) {
    for (let at = id.indexOf('/'); at > 0; at = id.indexOf('/', at + 1)) paths.add(id.slice(0, at));
  }
  return paths;
}

/**
 * Sets the derived state of the subflow nodes above `changedId` (or of every subflow node when it
 * is undefined) in `nodes`, which the caller owns (a fresh copy). Returns `nodes`.
 */
export function withSubflowStatus<T extends NodeLike>(nodes: Record<string, T>, changedId?: string): Record<string, T> {
  if (changedId !== undefined && !changedId.includes('/')) return nodes;
  const paths = subflowPaths(Object.keys(nodes), changedId);
  if (paths.size === 0) return nodes;
  const tally = new Map<string, { total: number; failed: number; running: number; queued: number; cached: number; done: number; skipped: number; cost: number; costUnknown: boolean; billed: boolean }>();
  for (const path of paths) tally.set(path, { total: 0, failed: 0, running: 0, queued: 0, cached: 0, done: 0, skipped: 0, cost: 0, costUnknown: false, billed: false });
  for (const [id, state] of Object.entries(nodes)) {
    if (state.subflow) continue;
    for (let at = id.indexOf('/'); at > 0; at = id.indexOf('/', at + 1)) {
      const t = tally.get(id.slice(0, at));
      if (!t) continue;
      t.total++;
      if (state.status === 'failed') t.failed++;
      else if (state.status === 'running') t.running++;
      else if (state.status === 'queued') t.queued++;
      else if (state.status === 'cached') {
        t.cached++;
        t.done++;
      } else if (state.status === 'succeeded') t.done++;
      else if (state.status === 'skipped') t.skipped++;
      if (state.costUsd === null || typeof state.costUsd === 'number') {
        t.billed = true;
        if (state.costUsd === null) t.costUnknown = true;
        else t.cost += state.costUsd;
      }
    }
  }
  for (const [path, t] of tally) {
    if (t.total === 0) continue;
    let status: string;
    if (t.failed) status = 'failed';
    else if (t.running || (t.queued && (t.done || t.skipped))) status = 'running';
    else if (t.queued) status = 'queued';
    else if (t.done === 0) status = 'skipped';
    else status = t.cached === t.total ? 'cached' : 'succeeded';
    const derived: NodeLike = { status, subflow: true };
    if (t.billed) derived.costUsd = t.costUnknown ? null : Math.round(t.cost * 1e8) / 1e8;
    nodes[path] = derived as T;
  }
  return nodes;
}

const DONE = new Set(['succeeded', 'cached']);

/** Done and total inner nodes of subflow node `id` in the shown run (nested levels included). */
export function innerProgress(nodes: Record<string, { status: string; subflow?: true }> | undefined, id: string): { done: number; total: number; failed: number } {
  let done = 0, total = 0, failed = 0;
  for (const [key, state] of Object.entries(nodes ?? {})) {
    // Derived states of nested subflow nodes are not nodes of the run (subflow-status.ts).
    if (!key.startsWith(`${id}/`) || state.subflow) continue;
    total++;
    if (DONE.has(state.status)) done++;
    else if (state.status === 'failed') failed++;
  }
  return { done, total, failed };
}
