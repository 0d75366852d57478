// Queued and running runs (of every flow), each with Cancel; Run while a run is going queues another.
import { Square } from 'lucide-react';
import { useEffect } from 'react';
import { api } from '../api/client';
import { isLive } from '../store/run-state';
import { attachRun, refreshRuns } from '../store/runs';
import { toast, useEditor } from '../store/store';

/** How often the list is refreshed while runs are live (their ends arrive only for the run on screen). */
const POLL_MS = 1500;

export function RunQueue() {
  const runs = useEditor((s) => s.runs);
  const live = runs.filter((r) => isLive(r.status));
  const shown = useEditor((s) => s.run?.id);
  const flows = useEditor((s) => s.flows);
  const count = live.length;
  useEffect(() => {
    if (!count) return;
    const timer = setInterval(() => void refreshRuns(), POLL_MS);
    return () => clearInterval(timer);
  }, [count]);
  if (!count) return null;
  const name = (id?: string) => (id ? flows.find((f) => f.id === id)?.name ?? id : 'unsaved flow');
  return (
    <section className="run-queue" aria-label="Run queue">
      <h3>Queued and running ({count})</h3>
      <ul>
        {live.map((r) => (
          <li key={r.id} data-queue-run={r.id} data-run-status={r.status} className={r.id === shown ? 'current' : ''}>
            <button type="button" className="link run-open" onClick={() => {
                attachRun(r.id).catch((e: Error) => toast(e.message, 'error'));
              }} title="Show this run">
              <span className={`run-status run-${r.status}`}>{r.status}</span> {name(r.flowId)}
            </button>
            <button
              type="button"
              className="icon"
              aria-label={`Cancel run ${r.id}`}
              title="Cancel this run"
              onClick={() => {
                api.cancelRun(r.id).then(() => refreshRuns(), (e: Error) => toast(`Cancel failed: ${e.message}`, 'error'));
              }}
            >
              <Square size={13} aria-hidden />
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
