// Queued and running runs (of every flow), each with Cancel; Run while a run is going queues another.
// In queue mode (GET /api/workers lists workers) a running run names the worker that executes it.
import { Square } from 'lucide-react';
import { useEffect, useState } from 'react';
import { api, request } from '../api/client';
import { isLive } from '../store/run-state';
import { attachRun, refreshRuns } from '../store/runs';
import { toast, useEditor } from '../store/store';

/** How often the list is refreshed while runs are live (their ends arrive only for the run on screen). */
const POLL_MS = 1500;

/** What the panel shows of a queue worker (GET /api/workers). */
interface QueueWorker {
  id: string;
  host: string;
  pid: number;
  runs: string[];
}

/** Run id → the worker executing it; empty in single-process mode (no workers) or when the list cannot be read. */
async function workersByRun(): Promise<Map<string, QueueWorker>> {
  const byRun = new Map<string, QueueWorker>();
  try {
    for (const worker of await request<QueueWorker[]>('GET', '/api/workers')) for (const runId of worker.runs) byRun.set(runId, worker);
  } catch (error) {
    console.warn(`run queue: the worker list cannot be read: ${(error as Error).message}`);
  }
  return byRun;
}

export function RunQueue() {
  const runs = useEditor((s) => s.runs);
  const live = runs.filter((r) => isLive(r.status));
  const shown = useEditor((s) => s.run?.id);
  const flows = useEditor((s) => s.flows);
  const count = live.length;
  const [workers, setWorkers] = useState<Map<string, QueueWorker>>(new Map());
  useEffect(() => {
    if (!count) return;
    let stopped = false;
    const readWorkers = () => void workersByRun().then((byRun) => !stopped && setWorkers(byRun));
    readWorkers();
    const timer = setInterval(() => {
      void refreshRuns();
      readWorkers();
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [count]);
  if (!count) return null;
  const name = (id?: string) => (id ? flows.find((f) => f.id === id)?.name ?? id : 'unsaved flow');
  return (
    <section className="run-queue" aria-label="Run queue">
      <h3>Queued and running ({count})</h3>
      <ul>
        {live.map((r) => {
          const worker = r.status === 'running' ? workers.get(r.id) : undefined;
          return (
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
              {worker && (
                <span className="run-worker" data-run-worker={worker.id} title={`host ${worker.host}, pid ${worker.pid}`}>
                  on {worker.id}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
