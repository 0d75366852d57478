// Progress inside a subflow node: its inner nodes' events carry the path `<nodeId>/<inner>`.
import { useEditor } from '../store/store';
import { openSubflow, subflowIdOf } from './make-subflow';

const DONE = new Set(['succeeded', 'cached']);

/** Done and total inner nodes of subflow node `id` in the shown run (nested levels included). */
export function innerProgress(nodes: Record<string, { status: string }> | undefined, id: string): { done: number; total: number; failed: number } {
  let done = 0, total = 0, failed = 0;
  for (const [key, state] of Object.entries(nodes ?? {})) {
    if (!key.startsWith(`${id}/`)) continue;
    total++;
    if (DONE.has(state.status)) done++;
    else if (state.status === 'failed') failed++;
  }
  return { done, total, failed };
}

export function SubflowProgress({ id, atype }: { id: string; atype: string }) {
  const counts = useEditor((s) => {
    const p = innerProgress(s.run?.nodes, id);
    return `${p.done}/${p.total}/${p.failed}`;
  });
  if (!subflowIdOf(atype)) return null;
  const [done, total, failed] = counts.split('/').map(Number);
  return (
    <div className="subflow-progress muted small" data-subflow-progress={`${done}/${total}`}>
      {total > 0 && <span>{done}/{total} inner nodes done{failed ? `, ${failed} failed` : ''} </span>}
      <button type="button" className="link nodrag" onClick={() => openSubflow(atype)}>Open subflow</button>
    </div>
  );
}
