// The Runs tab: recent runs grouped per flow (the open flow first), each with its status, time,
// duration, cost and its output images' thumbnails. Click shows a run's results on the canvas.
import { RefreshCw } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { api, artifactUrl } from '../api/client';
import type { RunSummary } from '../api/types';
import { attachRun, openRun, refreshRuns } from '../store/runs';
import { toast, useEditor } from '../store/store';
import { formatDuration } from './AtelierNode';
import { totalCostLabel } from '../flows-features/cost-format';
import { confirmDiscard } from './FlowList';
import { RunQueue } from './RunQueue';

const GROUP_SHOWN = 6;
const THUMBS = 3;
interface RunDetails {
  images: Artifact[];
  /** USD billed; null: a model's price is unknown; undefined: nothing billed. */
  costUsd?: number | null;
}
/** Output images and cost per finished run (records of finished runs do not change). */
const detailsCache = new Map<string, RunDetails>();

function outputImages(record: { outputs?: Record<string, unknown>; nodes?: Record<string, { outputs?: Record<string, unknown> }> }): Artifact[] {
  const images = (values: unknown[]) => values.filter((v): v is Artifact => isArtifact(v) && v.mediaType.startsWith('image/'));
  const flowOutputs = images(Object.values(record.outputs ?? {}));
  const found = flowOutputs.length ? flowOutputs : images(Object.values(record.nodes ?? {}).flatMap((n) => Object.values(n.outputs ?? {})));
  return [...new Map(found.map((a) => [a.artifact, a])).values()].slice(0, THUMBS);
}

function useRunDetails(run: RunSummary): RunDetails | null {
  const finished = run.status !== 'queued' && run.status !== 'running';
  const [details, setDetails] = useState<RunDetails | null>(() => detailsCache.get(run.id) ?? null);
  useEffect(() => {
    if (details || !finished) return;
    let live = true;
    api.getRun(run.id).then(
      (record) => {
        const found: RunDetails = { images: outputImages(record), ...(record.costUsd !== undefined ? { costUsd: record.costUsd } : {}) };
        detailsCache.set(run.id, found);
        if (live) setDetails(found);
      },
      () => live && setDetails({ images: [] }),
    );
    return () => {
      live = false;
    };
  }, [run.id, finished, details]);
  return details;
}

function RunThumbs({ images }: { images: Artifact[] }) {
  if (!images.length) return null;
  return (
    <span className="run-thumbs">
      {images.map((a) => (
        <img key={a.artifact} src={artifactUrl(a, true)} alt="" loading="lazy" width={28} height={28} />
      ))}
    </span>
  );
}

function RunRow({ run, current, ofOpenFlow }: { run: RunSummary; current: boolean; ofOpenFlow: boolean }) {
  const ms = run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined;
  const details = useRunDetails(run);
  const cost = totalCostLabel(details?.costUsd);
  const show = () => {
    if (ofOpenFlow) attachRun(run.id).catch((e: Error) => toast(e.message, 'error'));
    else confirmDiscard(() => void openRun(run.id, { loadFlow: true }).catch((e: Error) => toast(`Could not open run ${run.id}: ${e.message}`, 'error')));
  };
  return (
    <li className={current ? 'current' : ''} data-run-id={run.id} data-run-status={run.status}>
      <button type="button" className="link run-open" title={ofOpenFlow ? "Show this run's results on the canvas" : 'Open the flow as this run executed it'} onClick={show}>
        <span className={`run-status run-${run.status}`}>{run.status}</span> {new Date(run.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}
        <span className="muted small"> {ms !== undefined && Number.isFinite(ms) ? formatDuration(ms) : ''}</span>
        {cost && <span className="muted small run-cost" data-run-cost={cost}> · {cost}</span>}
      </button>
      <RunThumbs images={details?.images ?? []} />
    </li>
  );
}

function RunGroup({ title, runs, open, current }: { title: string; runs: RunSummary[]; open: boolean; current?: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? runs : runs.slice(0, GROUP_SHOWN);
  return (
    <section className="run-group-list" aria-label={`Runs of ${title}`} data-run-group={title}>
      <h3>
        {title} <span className="muted small">({runs.length})</span>
      </h3>
      <ul>
        {shown.map((r) => (
          <RunRow key={r.id} run={r} current={r.id === current} ofOpenFlow={open} />
        ))}
      </ul>
      {runs.length > shown.length && (
        <button type="button" className="link small" onClick={() => setAll(true)}>
          Show {runs.length - shown.length} more
        </button>
      )}
    </section>
  );
}

export function RunHistory() {
  const runs = useEditor((s) => s.runs);
  const flows = useEditor((s) => s.flows);
  const flowId = useEditor((s) => s.flowId);
  const current = useEditor((s) => s.run?.id);
  useEffect(() => void refreshRuns(), [flowId]);
  const groups = useMemo(() => {
    const byFlow = new Map<string, RunSummary[]>();
    for (const r of runs) byFlow.set(r.flowId ?? '', [...(byFlow.get(r.flowId ?? '') ?? []), r]);
    const names = new Map(flows.map((f) => [f.id, f.name]));
    return [...byFlow.entries()]
      .map(([id, list]) => ({ id, title: id ? names.get(id) ?? id : 'Unsaved flows', list }))
      .sort((a, b) => Number(b.id === flowId && !!flowId) - Number(a.id === flowId && !!flowId) || b.list[0].startedAt.localeCompare(a.list[0].startedAt));
  }, [runs, flows, flowId]);
  return (
    <div className="run-history" aria-label="Run history">
      <div className="row">
        <span className="muted small">Recent runs by flow</span>
        <button type="button" className="icon" aria-label="Refresh history" onClick={() => void refreshRuns()}>
          <RefreshCw size={14} aria-hidden />
        </button>
      </div>
      <RunQueue />
      {groups.map((g) => (
        <RunGroup key={g.id || '-'} title={g.title} runs={g.list} open={!!flowId && g.id === flowId} current={current} />
      ))}
      {runs.length === 0 && <p className="muted small">No runs yet. Press Run (Ctrl+Enter).</p>}
    </div>
  );
}
