// Crop on the image: drag a rectangle over the node's input image; Done writes the four crop-box
// params (declared with widget `crop-box`) as one undo step.
import { X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { artifactUrl } from '../api/client';
import { currentFlow } from '../store/files';
import { toast, updateParams, useEditor } from '../store/store';
import { cropBoxCapability } from './capabilities';
import { inputValue, upstreamOf } from './graph-lookup';
import { fitImage } from './fit-image';
import { openWorkspace } from './workspace-store';
import { runUpTo } from './workspace-api';
import './workspace.css';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const STAGE = { width: 760, height: 520 };

/** The image feeding the node: from the run on screen, else by running up to the node that makes it. */
function useInputImage(nodeId: string, input: string | undefined): { image?: Artifact; state: 'loading' | 'ready' | 'unconnected' | 'failed'; error?: string } {
  const [result, setResult] = useState<{ image?: Artifact; state: 'loading' | 'ready' | 'unconnected' | 'failed'; error?: string }>({ state: 'loading' });
  useEffect(() => {
    if (!input) return setResult({ state: 'unconnected' });
    const shown = inputValue(nodeId, input);
    if (isArtifact(shown)) return setResult({ image: shown, state: 'ready' });
    const up = upstreamOf(nodeId, input);
    if (!up) return setResult({ state: 'unconnected' });
    let live = true;
    runUpTo(currentFlow(), up.source).then(
      (record) => {
        const value = record.nodes[up.source]?.outputs?.[up.port];
        if (!live) return;
        if (isArtifact(value)) setResult({ image: value, state: 'ready' });
        else setResult({ state: 'failed', error: record.nodes[up.source]?.error ?? `${up.source} gave no image` });
      },
      (error: Error) => live && setResult({ state: 'failed', error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [nodeId, input]);
  return result;
}

export function CropDialog({ nodeId }: { nodeId: string }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === nodeId));
  const spec = useEditor((s) => (node ? s.catalog?.byType.get(node.data.atype) : undefined));
  const cap = cropBoxCapability(spec);
  const { image, state, error } = useInputImage(nodeId, cap?.imageInput);
  const params = node?.data.params ?? {};
  const num = (key: string | undefined, fallback: number) => (key && typeof params[key] === 'number' ? (params[key]) : fallback);
  const [rect, setRect] = useState<Rect>(() => ({ x: num(cap?.x, 0), y: num(cap?.y, 0), width: num(cap?.width, 1), height: num(cap?.height, 1) }));
  const drag = useRef<{ x: number; y: number } | null>(null);
  const stage = useRef<HTMLDivElement>(null);
  if (!node || !cap) return null;
  const W = image?.width ?? 1;
  const H = image?.height ?? 1;
  const fit = fitImage(W, H, STAGE.width, STAGE.height);
  const toImage = (e: React.PointerEvent) => {
    const box = stage.current!.getBoundingClientRect();
    return { x: Math.max(0, Math.min(W, Math.round((e.clientX - box.left) / fit.scale))), y: Math.max(0, Math.min(H, Math.round((e.clientY - box.top) / fit.scale))) };
  };
  const done = () => {
    updateParams(nodeId, { [cap.x]: rect.x, [cap.y]: rect.y, [cap.width]: Math.max(1, rect.width), [cap.height]: Math.max(1, rect.height) });
    toast(`Crop set to ${rect.width}×${rect.height} at (${rect.x}, ${rect.y}) (Ctrl+Z undoes)`);
    openWorkspace(null);
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openWorkspace(null)}>
      <div className="modal wide ws-crop" role="dialog" aria-modal="true" aria-label="Crop">
        <header>
          <h2>Crop · {node.data.label ?? nodeId}</h2>
          <button type="button" className="icon" aria-label="Close" onClick={() => openWorkspace(null)}>
            <X size={16} aria-hidden />
          </button>
        </header>
        {state === 'loading' && <p className="muted">Getting the input image…</p>}
        {state === 'unconnected' && <p className="warn">Connect an image to the “{cap.imageInput}” input first: the crop is drawn on it.</p>}
        {state === 'failed' && <p className="field-error-text">The input image could not be made: {error}</p>}
        {state === 'ready' && image && (
          <>
            <p className="muted small">Drag on the image to draw the crop rectangle ({W}×{H} px).</p>
            <div
              ref={stage}
              className="ws-crop-stage"
              data-testid="crop-stage"
              style={{ width: fit.width, height: fit.height }}
              onPointerDown={(e) => {
                const p = toImage(e);
                drag.current = p;
                e.currentTarget.setPointerCapture(e.pointerId);
                setRect({ ...p, width: 0, height: 0 });
              }}
              onPointerMove={(e) => {
                const start = drag.current;
                if (!start) return;
                const p = toImage(e);
                setRect({ x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), width: Math.abs(p.x - start.x), height: Math.abs(p.y - start.y) });
              }}
              onPointerUp={() => (drag.current = null)}
            >
              <img src={artifactUrl(image)} alt="Input image" draggable={false} style={{ width: fit.width, height: fit.height }} />
              <svg width={fit.width} height={fit.height} viewBox={`0 0 ${W} ${H}`}>
                <path d={`M0 0H${W}V${H}H0Z M${rect.x} ${rect.y}v${rect.height}h${rect.width}v${-rect.height}Z`} fill="#000a" fillRule="evenodd" />
                <rect x={rect.x} y={rect.y} width={rect.width} height={rect.height} fill="none" stroke="#7c9cff" strokeWidth={2} vectorEffect="non-scaling-stroke" />
              </svg>
            </div>
          </>
        )}
        <div className="row buttons">
          <span className="muted small" data-crop-box={JSON.stringify(rect)}>
            x {rect.x} · y {rect.y} · {rect.width}×{rect.height}
          </span>
          <button type="button" onClick={() => openWorkspace(null)}>Cancel</button>
          <button type="button" className="primary" disabled={state !== 'ready' || rect.width < 1 || rect.height < 1} onClick={done}>
            Done
          </button>
        </div>
      </div>
    </div>
  );
}
