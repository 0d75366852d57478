// "Sweep…" on a flow input: a values editor (one value per line, or a range 1..8) for this input and,
// optionally, others; the batch's runs show as a grid of their first image output (one axis → a row,
// two → a table with axis labels), each cell with its run's cost. Picking two cells compares them
// with the image viewer's A/B compare slider.
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { artifactUrl } from '../api/client';
import { currentFlow } from '../store/files';
import { toast, useEditor } from '../store/store';
import { cellOf, followBatch, parseSweepValues, startBatch, type BatchRunView, type BatchView } from '../store/batches';
import { ImageViewer } from '../dialogs/ImageViewer';
import { totalCostLabel } from './cost-format';
import './flows-features.css';

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const sweepLabel = (run: BatchRunView) => Object.entries(run.sweep).map(([k, v]) => `${k}=${label(v)}`).join(', ');

function firstImage(run: BatchRunView | undefined): Artifact | undefined {
  for (const value of Object.values(run?.outputs ?? {})) if (isArtifact(value) && value.mediaType.startsWith('image/')) return value;
  return undefined;
}

function Cell({ run, picked, onPick }: { run: BatchRunView | undefined; picked: boolean; onPick: (id: string) => void }) {
  if (!run) return <td className="sweep-cell empty" />;
  const image = firstImage(run);
  const cost = totalCostLabel(run.costUsd);
  return (
    <td>
      <button type="button" className={`sweep-cell status-${run.status}${picked ? ' picked' : ''}`} data-run-id={run.runId} data-status={run.status} aria-pressed={picked} title={`${run.runId} · ${run.status}`} onClick={() => onPick(run.runId)}>
        {image ? <img src={artifactUrl(image, true)} alt={sweepLabel(run)} /> : <span className="muted small">{run.status}</span>}
      </button>
      {cost && <span className="muted small sweep-cell-cost" data-run-cost={cost}>{cost}</span>}
    </td>
  );
}

export function SweepGrid({ view, picked, onPick }: { view: BatchView; picked: string[]; onPick: (id: string) => void }) {
  const cell = (run: BatchRunView | undefined) => <Cell key={run?.runId} run={run} picked={!!run && picked.includes(run.runId)} onPick={onPick} />;
  if (view.axes.length === 2 && view.mode === 'product') {
    const [rows, cols] = view.axes;
    const at = new Map(view.runs.map((r) => [cellOf(view, r).join(','), r]));
    return (
      <table className="sweep-grid" data-axes="2">
        <thead>
          <tr>
            <th className="muted small">{rows.name} ↓ · {cols.name} →</th>
            {cols.values.map((v, j) => <th key={j} scope="col">{label(v)}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.values.map((rv, i) => (
            <tr key={i}>
              <th scope="row">{label(rv)}</th>
              {cols.values.map((_, j) => cell(at.get(`${i},${j}`)))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="sweep-grid" data-axes={view.axes.length}>
      <thead>
        <tr>{view.runs.map((r) => <th key={r.runId} scope="col">{view.axes.map((a) => `${view.axes.length > 1 ? `${a.name}=` : ''}${label(r.sweep[a.name])}`).join(' · ')}</th>)}</tr>
      </thead>
      <tbody>
        <tr>{view.runs.map((r) => cell(r))}</tr>
      </tbody>
    </table>
  );
}

/** The two picked runs in the image viewer: A is the first pick, B (behind the slider) the second. */
function Compare({ view, picked }: { view: BatchView; picked: string[] }) {
  const [a, b] = picked.map((id) => view.runs.find((r) => r.runId === id));
  const [imageA, imageB] = [firstImage(a), firstImage(b)];
  if (!a || !b || !imageA || !imageB) return <p className="muted small sweep-compare">Both picked runs need an image to compare.</p>;
  return (
    <div className="sweep-compare" aria-label="Compare two runs">
      <p className="small">
        <b>A</b> <span data-compare-side="a">{sweepLabel(a)}</span> · <b>B</b> <span data-compare-side="b">{sweepLabel(b)}</span> <span className="muted">(drag the slider)</span>
      </p>
      <ImageViewer key={`${a.runId}|${b.runId}`} url={artifactUrl(imageA)} title={sweepLabel(a)} compareWith={{ key: `run:${b.runId}`, label: `B: ${sweepLabel(b)}`, url: artifactUrl(imageB) }} />
    </div>
  );
}

export function SweepDialog({ input, onClose }: { input: string; onClose: () => void }) {
  const inputs = Object.keys(useEditor((s) => s.meta.inputs));
  const [texts, setTexts] = useState<Record<string, string>>({ [input]: '' });
  const [mode, setMode] = useState<'product' | 'zip'>('product');
  const [view, setView] = useState<BatchView | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  // Closing the dialog stops following the batch (its runs go on on the server).
  useEffect(() => {
    const controller = new AbortController();
    abort.current = controller;
    return () => controller.abort();
  }, []);

  const axes = Object.entries(texts).filter(([, t]) => t.trim() !== '');
  const submit = async () => {
    let sweep: Record<string, unknown[]>;
    try {
      sweep = Object.fromEntries(axes.map(([name, text]) => {
        try {
          return [name, parseSweepValues(text)];
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
        }
      }));
    } catch (error) {
      toast(`Sweep: ${(error as Error).message}`, 'error');
      return;
    }
    if (!axes.length) return toast(`Sweep: give at least one value for ${input}`, 'error');
    setBusy(true);
    setPicked([]);
    try {
      const { batchId } = await startBatch(currentFlow(), sweep, mode);
      await followBatch(batchId, setView, abort.current!.signal);
    } catch (error) {
      if (!abort.current?.signal.aborted) toast(`Sweep failed: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  const pick = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));

  return createPortal(
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal sweep-modal" role="dialog" aria-modal="true" aria-label={`Sweep ${input}`}>
        <header>
          <h2>Sweep {input}</h2>
          <button type="button" className="icon" aria-label="Close" onClick={onClose}>×</button>
        </header>
        <p className="muted small">One value per line, or a range like 1..8. Fill a second input for a table (every combination, or zip: pairwise).</p>
        <div className="sweep-axes">
          {inputs.map((name) => (
            <label key={name} className="field">
              <span>{name}</span>
              <textarea aria-label={`Values for ${name}`} rows={name === input ? 4 : 2} autoFocus={name === input} value={texts[name] ?? ''} onChange={(e) => setTexts((t) => ({ ...t, [name]: e.target.value }))} />
            </label>
          ))}
        </div>
        {axes.length > 1 && (
          <label className="field">
            <span>Combine</span>
            <select aria-label="Combine" value={mode} onChange={(e) => setMode(e.target.value as 'product' | 'zip')}>
              <option value="product">every combination</option>
              <option value="zip">pairwise (zip)</option>
            </select>
          </label>
        )}
        <p>
          <button type="button" disabled={busy} onClick={() => void submit()}>{busy ? 'Running…' : 'Run sweep'}</button>
          {view && <span className="muted small" data-batch-status={view.status}> batch {view.id}: {view.status}, {view.runs.filter((r) => r.status !== 'queued' && r.status !== 'running').length}/{view.runs.length} runs done{totalCostLabel(view.costUsd) && <span data-batch-cost={totalCostLabel(view.costUsd)}> · {totalCostLabel(view.costUsd)}</span>}</span>}
        </p>
        {view && <SweepGrid view={view} picked={picked} onPick={pick} />}
        {view && picked.length === 2 && <Compare view={view} picked={picked} />}
      </div>
    </div>,
    document.body,
  );
}
