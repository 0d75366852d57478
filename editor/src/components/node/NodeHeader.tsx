// A node's title bar: title, badges (missing key, pinned, cached), status dot, partial-run buttons.
import { ArrowRightFromLine, ArrowRightToLine, KeyRound, Pin } from 'lucide-react';
import type { CatalogNode } from '../../api/types';
import type { DisplayStatus } from '../../store/run-state';
import { isLive } from '../../store/run-state';
import { run } from '../../store/runs';
import { useEditor } from '../../store/store';

export function NodeHeader({ id, atype, spec, title, status, pinned }: { id: string; atype: string; spec?: CatalogNode; title: string; status: DisplayStatus; pinned?: boolean }) {
  const runLive = useEditor((s) => !!s.run && isLive(s.run.status));
  const missingKey = useEditor((s) => s.missingKeys[atype]);
  return (
    <div className={`anode-header cat-${spec?.category ?? 'unknown'}`}>
      <span className="anode-title" title={spec?.description}>
        {title}
      </span>
      {missingKey && (
        <span className="badge badge-key" data-badge="missing-key" title={`Needs a key: ${missingKey} (see the Keys tab)`}>
          <KeyRound size={12} aria-label="needs a key" />
        </span>
      )}
      {pinned && <span className="badge" title="Pinned: reuses its last output" data-badge="pinned"><Pin size={12} aria-label="pinned" /></span>}
      {status === 'cached' && <span className="badge badge-cached" data-badge="cached">cached</span>}
      <span className="status-dot" title={status} />
      <span className="anode-actions">
        <button type="button" className="icon nodrag" aria-label="To here" title="Run up to here (this node and what it needs)" disabled={runLive} onClick={() => void run({ to: id })}>
          <ArrowRightToLine size={14} aria-hidden />
        </button>
        <button type="button" className="icon nodrag" aria-label="From here" title="Run from here (reuse cached results upstream)" disabled={runLive} onClick={() => void run({ from: id })}>
          <ArrowRightFromLine size={14} aria-hidden />
        </button>
      </span>
    </div>
  );
}
