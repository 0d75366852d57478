// Past runs of the open flow: status, duration; click shows the run's outputs on the canvas.
import { RefreshCw } from 'lucide-react';
import { useEffect } from 'react';
import { attachRun, refreshRuns } from '../store/runs';
import { toast, useEditor } from '../store/store';
import { formatDuration } from './AtelierNode';

export function RunHistory() {
  const runs = useEditor((s) => s.runs);
  const flowId = useEditor((s) => s.flowId);
  const current = useEditor((s) => s.run?.id);
  useEffect(() => void refreshRuns(), [flowId]);
  return (
    <div className="run-history" aria-label="Run history">
      <div className="row">
        <span className="muted small">{flowId ? `Runs of ${flowId}` : 'Recent runs'}</span>
        <button type="button" className="icon" aria-label="Refresh history" onClick={() => void refreshRuns()}><RefreshCw size={14} aria-hidden /></button>
      </div>
      <ul>
        {runs.map((r) => {
          const ms = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : undefined;
          return (
            <li key={r.id} className={r.id === current ? 'current' : ''} data-run-id={r.id} data-run-status={r.status}>
              <button type="button" className="link" title="Show this run's results on the canvas" onClick={() => attachRun(r.id).catch((e: Error) => toast(e.message, 'error'))}>
                <span className={`run-status run-${r.status}`}>{r.status}</span> {new Date(r.startedAt).toLocaleTimeString()}
              </button>
              <span className="muted small">{ms !== undefined && Number.isFinite(ms) ? formatDuration(ms) : ''}</span>
              <a className="small" href={`?run=${encodeURIComponent(r.id)}`} title="Open the flow as this run executed it">open</a>
            </li>
          );
        })}
        {runs.length === 0 && <li className="muted small">No runs yet. Press Run (Ctrl+Enter).</li>}
      </ul>
    </div>
  );
}
