// The Select object dialog's side panel: preview status and backend, candidate masks, the point
// list (select, flip, delete), the box, and Clear / Discard / Done.
import { ArrowLeftRight, X } from 'lucide-react';
import { formatDuration } from '../../components/node/format-duration';
import type { PointPromptCapability } from '../capabilities';
import { flipPoint, withoutPoint, type Draft } from './segment-draft';
import type { Preview } from './use-segment-preview';

interface Props {
  cap: PointPromptCapability;
  draft: Draft;
  preview: Preview | null;
  previewError: string | null;
  busy: boolean;
  selected: number | null;
  onSelect: (index: number | null) => void;
  onChange: (next: (d: Draft) => Draft) => void;
  onClose: (save: boolean) => void;
}

function PreviewInfo({ preview }: { preview: Preview }) {
  return (
    <div className="small" data-segment-run={preview.runId}>
      <div data-segment-backend={preview.backend ?? ''}>
        backend <b>{preview.backend ?? 'unknown'}</b>
        {preview.durationMs !== undefined && ` · ${formatDuration(preview.durationMs)}`}
      </div>
      {preview.bbox && (
        <div className="muted" data-node-bbox={JSON.stringify(preview.bbox)}>
          bbox {preview.bbox.x}, {preview.bbox.y} · {preview.bbox.width}×{preview.bbox.height}
        </div>
      )}
    </div>
  );
}

function Candidates({ draft, preview, onChange }: { draft: Draft; preview: Preview & { scores: number[] }; onChange: Props['onChange'] }) {
  return (
    <div className="ws-candidates" role="radiogroup" aria-label="Candidate masks">
      <button type="button" role="radio" aria-checked={draft.pick === 'best'} className={draft.pick === 'best' ? 'active' : ''} onClick={() => onChange((d) => ({ ...d, pick: 'best' }))}>
        best
      </button>
      {preview.scores.map((score, i) => (
        <button key={i} type="button" role="radio" aria-checked={draft.pick === i} className={draft.pick === i || (draft.pick === 'best' && preview.picked === i) ? 'active' : ''} onClick={() => onChange((d) => ({ ...d, pick: i }))}>
          #{i} · {score.toFixed(2)}
        </button>
      ))}
    </div>
  );
}

function PointList({ draft, selected, onSelect, onChange }: Pick<Props, 'draft' | 'selected' | 'onSelect' | 'onChange'>) {
  return (
    <>
      <h3>Points</h3>
      {draft.points.length === 0 && <div className="muted small">None yet.</div>}
      <ol className="ws-point-list">
        {draft.points.map((p, i) => (
          <li key={i} className={selected === i ? 'selected' : ''}>
            <button type="button" className="link" onClick={() => onSelect(i)}>
              {p.label ? '● object' : '○ background'} ({p.x}, {p.y})
            </button>
            <button type="button" className="link" title="Switch object/background" onClick={() => onChange((d) => flipPoint(d, i))}>
              <ArrowLeftRight size={14} aria-hidden />
            </button>
            <button type="button" className="icon" aria-label={`Delete point ${i + 1}`} onClick={() => onChange((d) => withoutPoint(d, i))}>
              <X size={14} aria-hidden />
            </button>
          </li>
        ))}
      </ol>
    </>
  );
}

export function SegmentSide({ cap, draft, preview, previewError, busy, selected, onSelect, onChange, onClose }: Props) {
  const state = busy ? 'running' : previewError ? 'failed' : preview ? 'ready' : 'idle';
  return (
    <aside className="ws-side">
      <div className="ws-status" aria-live="polite" data-segment-state={state}>
        {busy ? 'Segmenting…' : previewError ? <span className="anode-error">{previewError}</span> : preview ? 'Mask up to date' : 'Click the object to start'}
      </div>
      {preview && <PreviewInfo preview={preview} />}
      {cap.multimaskParam && (
        <label className="check">
          <input type="checkbox" checked={draft.multimask} onChange={(e) => onChange((d) => ({ ...d, multimask: e.target.checked, pick: 'best' }))} /> Several candidate masks
        </label>
      )}
      {draft.multimask && preview?.scores && preview.scores.length > 1 && <Candidates draft={draft} preview={preview as Preview & { scores: number[] }} onChange={onChange} />}
      <PointList draft={draft} selected={selected} onSelect={onSelect} onChange={onChange} />
      {cap.boxParam && (
        <div className="small">
          {draft.box ? (
            <>
              box [{draft.box.join(', ')}]{' '}
              <button type="button" className="link" onClick={() => onChange((d) => ({ ...d, box: undefined }))}>
                remove box
              </button>
            </>
          ) : (
            <span className="muted">No box (drag on the image to draw one).</span>
          )}
        </div>
      )}
      <div className="row buttons">
        <button type="button" onClick={() => (onChange((d) => ({ ...d, points: [], box: undefined })), onSelect(null))}>Clear all</button>
        <button type="button" onClick={() => onClose(false)}>Discard</button>
        <button type="button" className="primary" onClick={() => onClose(true)}>Done</button>
      </div>
    </aside>
  );
}
