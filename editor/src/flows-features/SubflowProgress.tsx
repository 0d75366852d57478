// Progress inside a subflow node: its inner nodes' events carry the path `<nodeId>/<inner>`.
import { useEditor } from '../store/store';
import { openSubflow, subflowIdOf } from './make-subflow';
import { innerProgress } from './subflow-status';

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
