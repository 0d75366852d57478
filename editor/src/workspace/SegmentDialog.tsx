// Click-to-segment: the node's input image large; clicks add object points, Alt/right-click
// background points, a drag draws a box; points can be dragged and deleted. Every change runs the
// flow up to this node (upstream comes from the cache) and shows the mask. Closing saves the
// prompts into the node's params as one undoable step.
import { ArrowLeftRight, X } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { artifactUrl } from '../api/client';
import { formatDuration } from '../components/node/format-duration';
import { currentFlow } from '../store/files';
import { toast, updateParams, useEditor } from '../store/store';
import { pointPromptCapability, type PointPromptCapability } from './capabilities';
import { inputValue, upstreamOf } from './graph-lookup';
import { tintMask } from './mask-preview';
import { fitImage, type ScreenBox } from './overlay-math';
import { openWorkspace } from './workspace-store';
import { runUpTo } from './workspace-api';
import './workspace.css';

interface Point {
  x: number;
  y: number;
  label: 0 | 1;
}
type Box = [number, number, number, number];

interface Draft {
  points: Point[];
  box?: Box;
  multimask: boolean;
  pick: 'best' | number;
}

interface Preview {
  runId: string;
  mask: Artifact;
  bbox: ScreenBox | null;
  backend?: string;
  durationMs?: number;
  scores?: number[];
  picked?: number;
  maskCanvas: HTMLCanvasElement;
  maskBBox: ScreenBox | null;
}

const DRAG_THRESHOLD = 4;
const DEBOUNCE_MS = 250;

function draftFrom(params: Record<string, unknown>, cap: PointPromptCapability): Draft {
  const points = Array.isArray(params[cap.pointsParam]) ? (params[cap.pointsParam] as Point[]).map((p): Point => ({ x: p.x, y: p.y, label: p.label === 0 ? 0 : 1 })) : [];
  const box = cap.boxParam && Array.isArray(params[cap.boxParam]) ? (params[cap.boxParam] as Box) : undefined;
  const pick = cap.pickParam && typeof params[cap.pickParam] === 'number' ? (params[cap.pickParam] as number) : 'best';
  return { points, box, multimask: cap.multimaskParam ? params[cap.multimaskParam] === true : false, pick };
}

function paramsFrom(base: Record<string, unknown>, cap: PointPromptCapability, d: Draft): Record<string, unknown> {
  const params: Record<string, unknown> = { ...base, [cap.pointsParam]: d.points };
  if (cap.boxParam) {
    if (d.box) params[cap.boxParam] = d.box;
    else delete params[cap.boxParam];
  }
  if (cap.multimaskParam) {
    if (d.multimask) params[cap.multimaskParam] = true;
    else delete params[cap.multimaskParam];
  }
  if (cap.pickParam) {
    if (d.pick === 'best') delete params[cap.pickParam];
    else params[cap.pickParam] = d.pick;
  }
  return params;
}

/** Source pixel under a screen point (the pixel containing it). */
const round = (v: number) => Math.floor(v);

export function SegmentDialog({ nodeId }: { nodeId: string }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === nodeId));
  const spec = useEditor((s) => (node ? s.catalog?.byType.get(node.data.atype) : undefined));
  const cap = pointPromptCapability(spec);
  const [draft, setDraft] = useState<Draft>(() => (node && cap ? draftFrom(node.data.params, cap) : { points: [], multimask: false, pick: 'best' }));
  const [image, setImage] = useState<Artifact | null>(null);
  const [imageError, setImageError] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [boxDraft, setBoxDraft] = useState<Box | null>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [stageSize, setStageSize] = useState({ width: 900, height: 600 });
  const previewSeq = useRef(0);
  const touched = useRef(false);
  const gesture = useRef<{ kind: 'point'; index: number; moved: boolean } | { kind: 'new'; x: number; y: number; sx: number; sy: number; label: 0 | 1; moved: boolean } | null>(null);

  // The input image: from the run on screen, else by running up to the node that makes it (cached).
  useEffect(() => {
    if (!cap) return;
    const shown = inputValue(nodeId, cap.imageInput);
    if (isArtifact(shown)) return void setImage(shown);
    const up = upstreamOf(nodeId, cap.imageInput);
    if (!up) return void setImageError(`Connect an image to “${cap.imageInput}” first.`);
    runUpTo(currentFlow(), up.source)
      .then((record) => {
        const value = record.nodes[up.source]?.outputs?.[up.port];
        if (isArtifact(value)) setImage(value);
        else setImageError(record.nodes[up.source]?.error ?? `The node ${up.source} gave no image.`);
      })
      .catch((error: Error) => setImageError(`Could not get the input image: ${error.message}`));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nodeId]);

  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setStageSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const runPreview = useCallback(
    async (d: Draft) => {
      if (!node || !cap) return;
      if (!d.points.length && !d.box) {
        setPreview(null);
        setPreviewError(null);
        return;
      }
      const seq = ++previewSeq.current;
      setBusy(true);
      try {
        const flow = currentFlow();
        flow.nodes = flow.nodes.map((n) => (n.id === nodeId ? { ...n, params: paramsFrom(n.params ?? {}, cap, d) } : n));
        const record = await runUpTo(flow, nodeId);
        if (seq !== previewSeq.current) return;
        const rec = record.nodes[nodeId];
        const maskPort = Object.entries(spec?.outputs ?? {}).find(([, p]) => p.type === 'mask')?.[0];
        const mask = maskPort ? rec?.outputs?.[maskPort] : undefined;
        if (!rec || rec.status === 'failed' || !isArtifact(mask)) {
          setPreviewError(rec?.error ?? record.error ?? `the run ${record.status} without a mask`);
          return;
        }
        const bbox = Object.values(rec.outputs).find((v): v is ScreenBox => !!v && typeof v === 'object' && 'width' in (v) && 'x' in (v) && !isArtifact(v)) ?? null;
        const tinted = await tintMask(artifactUrl(mask), [56, 189, 248]);
        if (seq !== previewSeq.current) return;
        setPreviewError(null);
        setPreview({
          runId: record.id,
          mask,
          bbox,
          backend: rec.backend,
          durationMs: rec.durationMs,
          scores: Array.isArray(rec.meta?.scores) ? (rec.meta.scores as number[]) : undefined,
          picked: typeof rec.meta?.picked === 'number' ? (rec.meta.picked) : undefined,
          maskCanvas: tinted.canvas,
          maskBBox: tinted.bbox,
        });
      } catch (error) {
        if (seq === previewSeq.current) setPreviewError((error as Error).message);
      } finally {
        if (seq === previewSeq.current) setBusy(false);
      }
    },
    [node, cap, nodeId, spec],
  );

  // Preview after each change (debounced), and once on open for the saved prompts.
  useEffect(() => {
    if (!image) return;
    const timer = setTimeout(() => void runPreview(draft), touched.current ? DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft, image]);

  const change = (next: Draft | ((d: Draft) => Draft)) => {
    touched.current = true;
    setDraft(next);
  };

  const close = (save: boolean) => {
    if (save && node && cap && touched.current) {
      const params = paramsFrom(node.data.params, cap, draft);
      updateParams(nodeId, Object.fromEntries(Object.keys({ ...node.data.params, ...params }).map((key) => [key, params[key]])));
      toast(`Saved ${draft.points.length} point${draft.points.length === 1 ? '' : 's'}${draft.box ? ' and a box' : ''} to ${nodeId} (Ctrl+Z undoes)`);
    }
    openWorkspace(null);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close(true);
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && selected !== null && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        e.stopPropagation();
        change((d) => ({ ...d, points: d.points.filter((_, i) => i !== selected) }));
        setSelected(null);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  if (!node || !cap) {
    return (
      <div className="ws-backdrop">
        <div className="ws-modal" role="dialog" aria-label="Select object">
          <p>This node takes no point prompts.</p>
          <button type="button" onClick={() => openWorkspace(null)}>Close</button>
        </div>
      </div>
    );
  }

  const fit = image?.width && image.height ? fitImage(image.width, image.height, stageSize.width, stageSize.height) : null;
  const toImage = (e: React.PointerEvent) => {
    const rect = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
    const s = fit!.scale;
    return { x: Math.min(image!.width! - 1, Math.max(0, (e.clientX - rect.left) / s)), y: Math.min(image!.height! - 1, Math.max(0, (e.clientY - rect.top) / s)) };
  };

  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    if (!fit) return;
    const target = e.target as Element;
    const index = target.getAttribute('data-point-index');
    (e.currentTarget).setPointerCapture(e.pointerId);
    if (index !== null) {
      setSelected(Number(index));
      gesture.current = { kind: 'point', index: Number(index), moved: false };
      return;
    }
    const p = toImage(e);
    gesture.current = { kind: 'new', x: p.x, y: p.y, sx: e.clientX, sy: e.clientY, label: e.button === 2 || e.altKey ? 0 : 1, moved: false };
  };

  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const g = gesture.current;
    if (!g || !fit) return;
    const p = toImage(e);
    if (g.kind === 'point') {
      g.moved = true;
      setDraft((d) => ({ ...d, points: d.points.map((q, i) => (i === g.index ? { ...q, x: round(p.x), y: round(p.y) } : q)) }));
      touched.current = true;
      return;
    }
    if (Math.hypot(e.clientX - g.sx, e.clientY - g.sy) > DRAG_THRESHOLD) g.moved = true;
    if (g.moved) setBoxDraft([round(Math.min(g.x, p.x)), round(Math.min(g.y, p.y)), round(Math.max(g.x, p.x)), round(Math.max(g.y, p.y))]);
  };

  const onPointerUp = () => {
    const g = gesture.current;
    gesture.current = null;
    if (!g || !fit) return;
    if (g.kind === 'point') {
      if (g.moved) change((d) => ({ ...d }));
      return;
    }
    if (g.moved && boxDraft && cap.boxParam && boxDraft[2] - boxDraft[0] >= 2 && boxDraft[3] - boxDraft[1] >= 2) {
      const box = boxDraft;
      change((d) => ({ ...d, box }));
    } else if (!g.moved) {
      const point: Point = { x: round(g.x), y: round(g.y), label: g.label };
      change((d) => ({ ...d, points: [...d.points, point] }));
      setSelected(draft.points.length);
    }
    setBoxDraft(null);
  };

  const shownBox = boxDraft ?? draft.box;
  const r = fit ? 7 / fit.scale : 7;

  return (
    <div className="ws-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close(true)}>
      <div className="ws-modal ws-segment" role="dialog" aria-modal="true" aria-label="Select object">
        <header>
          <h2>Select object · {node.data.label || spec?.title}</h2>
          <span className="muted small">Click: object point · Alt/right-click: background · drag: box · drag a point to move it · Delete or double-click removes it</span>
          <button type="button" className="icon" aria-label="Close" onClick={() => close(true)}><X size={16} aria-hidden /></button>
        </header>
        <div className="ws-segment-body">
          <div className="ws-stage" ref={stage}>
            {imageError && <div className="anode-error" role="alert">{imageError}</div>}
            {!image && !imageError && <div className="muted">Loading the input image…</div>}
            {image && fit && (
              <div className="ws-stage-inner" style={{ width: fit.width, height: fit.height }}>
                <img src={artifactUrl(image)} alt="segment input" width={fit.width} height={fit.height} draggable={false} />
                {preview && (
                  <canvas
                    className="ws-mask"
                    data-mask-preview={artifactUrl(preview.mask)}
                    data-mask-bbox={preview.maskBBox ? JSON.stringify(preview.maskBBox) : ''}
                    ref={(el) => {
                      if (!el) return;
                      el.width = preview.maskCanvas.width;
                      el.height = preview.maskCanvas.height;
                      el.getContext('2d')!.drawImage(preview.maskCanvas, 0, 0);
                    }}
                    style={{ width: fit.width, height: fit.height }}
                  />
                )}
                <svg
                  className="ws-prompts"
                  width={fit.width}
                  height={fit.height}
                  viewBox={`0 0 ${image.width} ${image.height}`}
                  onPointerDown={onPointerDown}
                  onPointerMove={onPointerMove}
                  onPointerUp={onPointerUp}
                  onContextMenu={(e) => e.preventDefault()}
                  data-testid="segment-stage"
                >
                  {shownBox && (
                    <rect className="ws-box" x={shownBox[0]} y={shownBox[1]} width={shownBox[2] - shownBox[0]} height={shownBox[3] - shownBox[1]} strokeWidth={2 / fit.scale} />
                  )}
                  {preview?.maskBBox && (
                    <rect className="ws-mask-bbox" x={preview.maskBBox.x} y={preview.maskBBox.y} width={preview.maskBBox.width} height={preview.maskBBox.height} strokeWidth={1 / fit.scale} />
                  )}
                  {draft.points.map((p, i) => (
                    <circle
                      key={i}
                      data-point-index={i}
                      data-label={p.label}
                      className={`ws-point ${p.label ? 'fg' : 'bg'}${selected === i ? ' selected' : ''}`}
                      cx={p.x}
                      cy={p.y}
                      r={r}
                      strokeWidth={2 / fit.scale}
                      onDoubleClick={() => change((d) => ({ ...d, points: d.points.filter((_, j) => j !== i) }))}
                    />
                  ))}
                </svg>
              </div>
            )}
          </div>
          <aside className="ws-side">
            <div className="ws-status" aria-live="polite" data-segment-state={busy ? 'running' : previewError ? 'failed' : preview ? 'ready' : 'idle'}>
              {busy ? 'Segmenting…' : previewError ? <span className="anode-error">{previewError}</span> : preview ? 'Mask up to date' : 'Click the object to start'}
            </div>
            {preview && (
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
            )}
            {cap.multimaskParam && (
              <label className="check">
                <input type="checkbox" checked={draft.multimask} onChange={(e) => change((d) => ({ ...d, multimask: e.target.checked, pick: 'best' }))} /> Several candidate masks
              </label>
            )}
            {draft.multimask && preview?.scores && preview.scores.length > 1 && (
              <div className="ws-candidates" role="radiogroup" aria-label="Candidate masks">
                <button type="button" role="radio" aria-checked={draft.pick === 'best'} className={draft.pick === 'best' ? 'active' : ''} onClick={() => change((d) => ({ ...d, pick: 'best' }))}>
                  best
                </button>
                {preview.scores.map((score, i) => (
                  <button key={i} type="button" role="radio" aria-checked={draft.pick === i} className={draft.pick === i || (draft.pick === 'best' && preview.picked === i) ? 'active' : ''} onClick={() => change((d) => ({ ...d, pick: i }))}>
                    #{i} · {score.toFixed(2)}
                  </button>
                ))}
              </div>
            )}
            <h3>Points</h3>
            {draft.points.length === 0 && <div className="muted small">None yet.</div>}
            <ol className="ws-point-list">
              {draft.points.map((p, i) => (
                <li key={i} className={selected === i ? 'selected' : ''}>
                  <button type="button" className="link" onClick={() => setSelected(i)}>
                    {p.label ? '● object' : '○ background'} ({p.x}, {p.y})
                  </button>
                  <button type="button" className="link" title="Switch object/background" onClick={() => change((d) => ({ ...d, points: d.points.map((q, j) => (j === i ? { ...q, label: q.label ? 0 : 1 } : q)) }))}>
                    <ArrowLeftRight size={14} aria-hidden />
                  </button>
                  <button type="button" className="icon" aria-label={`Delete point ${i + 1}`} onClick={() => change((d) => ({ ...d, points: d.points.filter((_, j) => j !== i) }))}>
                    <X size={14} aria-hidden />
                  </button>
                </li>
              ))}
            </ol>
            {cap.boxParam && (
              <div className="small">
                {draft.box ? (
                  <>
                    box [{draft.box.join(', ')}]{' '}
                    <button type="button" className="link" onClick={() => change((d) => ({ ...d, box: undefined }))}>
                      remove box
                    </button>
                  </>
                ) : (
                  <span className="muted">No box (drag on the image to draw one).</span>
                )}
              </div>
            )}
            <div className="row buttons">
              <button type="button" onClick={() => (change((d) => ({ ...d, points: [], box: undefined })), setSelected(null))}>Clear all</button>
              <button type="button" onClick={() => close(false)}>Discard</button>
              <button type="button" className="primary" onClick={() => close(true)}>Done</button>
            </div>
          </aside>
        </div>
      </div>
    </div>
  );
}
