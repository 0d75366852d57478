// Problems before Run: every issue the server finds in the open flow, click one to focus its node.
import { useReactFlow } from '@xyflow/react';
import { AlertTriangle, CheckCircle2, ChevronDown, ChevronUp } from 'lucide-react';
import { useState } from 'react';
import { issueText } from '../graph/issue-text';
import { rectOf } from '../graph/free-space';
import { selectNodes, useEditor } from '../store/store';

export function ProblemsPanel() {
  const problems = useEditor((s) => s.problems);
  const error = useEditor((s) => s.problemsError);
  const hasNodes = useEditor((s) => s.nodes.length > 0);
  const [open, setOpen] = useState(false);
  const rf = useReactFlow();
  if (!hasNodes) return null;
  const focus = (nodeId: string) => {
    const node = useEditor.getState().nodes.find((n) => n.id === nodeId);
    if (!node) return;
    selectNodes([nodeId]);
    useEditor.setState({ selection: [nodeId] });
    const r = rectOf(node);
    void rf.setCenter(r.x + r.width / 2, r.y + r.height / 2, { zoom: Math.max(rf.getZoom(), 0.9), duration: 250 });
  };
  const count = problems.length;
  return (
    <section className={`problems${count ? ' has-problems' : ''}`} aria-label="Problems" data-problem-count={count}>
      <button type="button" className="problems-head" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {count ? <AlertTriangle size={14} aria-hidden /> : <CheckCircle2 size={14} aria-hidden />}
        {count ? `${count} problem${count > 1 ? 's' : ''}` : 'No problems'}
        {count > 0 && (open ? <ChevronDown size={14} aria-hidden /> : <ChevronUp size={14} aria-hidden />)}
      </button>
      {error && <div className="field-error-text">{error}</div>}
      {open && count > 0 && (
        <ul>
          {problems.map((p, i) => (
            <li key={i} data-problem-node={p.nodeId ?? ''} data-problem-code={p.code}>
              {p.nodeId ? (
                <button type="button" className="link" onClick={() => focus(p.nodeId!)}>
                  <b>{p.nodeId}</b>
                  {p.field && <span className="muted"> · {p.field}</span>}: {issueText(p)}
                </button>
              ) : (
                <span>
                  {p.field && <b>{p.field}: </b>}
                  {issueText(p)}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
