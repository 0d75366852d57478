// The input image large, the mask overlay, and the prompts drawn over it. Click: object point;
// Alt/right-click: background point; drag: box; drag a point to move it; double-click removes it.
import { useEffect, useRef, useState } from 'react';
import type { Artifact } from '../../../../model/artifact';
import { artifactUrl } from '../../api/client';
import { fitImage } from '../fit-image';
import { withoutPoint, type Box, type Draft, type Point } from './segment-draft';
import type { Preview } from './use-segment-preview';

const DRAG_THRESHOLD = 4;
/** Source pixel under a screen point (the pixel containing it). */
const round = (v: number) => Math.floor(v);

type Gesture = { kind: 'point'; index: number; moved: boolean } | { kind: 'new'; x: number; y: number; sx: number; sy: number; label: 0 | 1; moved: boolean };

interface Props {
  image: Artifact;
  draft: Draft;
  preview: Preview | null;
  selected: number | null;
  canBox: boolean;
  onSelect: (index: number | null) => void;
  /** A finished edit (a preview runs). */
  onChange: (next: (d: Draft) => Draft) => void;
  /** A point being dragged (no preview until it is dropped). */
  onDrag: (next: (d: Draft) => Draft) => void;
}

function useSize(ref: React.RefObject<HTMLDivElement | null>) {
  const [size, setSize] = useState({ width: 900, height: 600 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

function MaskCanvas({ preview, width, height }: { preview: Preview; width: number; height: number }) {
  return (
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
      style={{ width, height }}
    />
  );
}

export function SegmentStage({ stage, image, draft, preview, selected, canBox, onSelect, onChange, onDrag }: Props & { stage: React.RefObject<HTMLDivElement | null> }) {
  const stageSize = useSize(stage);
  const gesture = useRef<Gesture | null>(null);
  const [boxDraft, setBoxDraft] = useState<Box | null>(null);
  if (!image.width || !image.height) return <div className="anode-error" role="alert">The input image has no size.</div>;
  const [iw, ih] = [image.width, image.height];
  const fit = fitImage(iw, ih, stageSize.width, stageSize.height);

  const toImage = (e: React.PointerEvent) => {
    const rect = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
    return { x: Math.min(iw - 1, Math.max(0, (e.clientX - rect.left) / fit.scale)), y: Math.min(ih - 1, Math.max(0, (e.clientY - rect.top) / fit.scale)) };
  };

  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    const index = (e.target as Element).getAttribute('data-point-index');
    e.currentTarget.setPointerCapture(e.pointerId);
    if (index !== null) {
      onSelect(Number(index));
      gesture.current = { kind: 'point', index: Number(index), moved: false };
      return;
    }
    const p = toImage(e);
    gesture.current = { kind: 'new', x: p.x, y: p.y, sx: e.clientX, sy: e.clientY, label: e.button === 2 || e.altKey ? 0 : 1, moved: false };
  };

  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const g = gesture.current;
    if (!g) return;
    const p = toImage(e);
    if (g.kind === 'point') {
      g.moved = true;
      onDrag((d) => ({ ...d, points: d.points.map((q, i) => (i === g.index ? { ...q, x: round(p.x), y: round(p.y) } : q)) }));
      return;
    }
    if (Math.hypot(e.clientX - g.sx, e.clientY - g.sy) > DRAG_THRESHOLD) g.moved = true;
    if (g.moved) setBoxDraft([round(Math.min(g.x, p.x)), round(Math.min(g.y, p.y)), round(Math.max(g.x, p.x)), round(Math.max(g.y, p.y))]);
  };

  const onPointerUp = () => {
    const g = gesture.current;
    gesture.current = null;
    if (!g) return;
    if (g.kind === 'point') {
      if (g.moved) onChange((d) => ({ ...d }));
      return;
    }
    if (g.moved && boxDraft && canBox && boxDraft[2] - boxDraft[0] >= 2 && boxDraft[3] - boxDraft[1] >= 2) {
      const box = boxDraft;
      onChange((d) => ({ ...d, box }));
    } else if (!g.moved) {
      const point: Point = { x: round(g.x), y: round(g.y), label: g.label };
      onChange((d) => ({ ...d, points: [...d.points, point] }));
      onSelect(draft.points.length);
    }
    setBoxDraft(null);
  };

  const shownBox = boxDraft ?? draft.box;
  const r = 7 / fit.scale;
  return (
    <div className="ws-stage-inner" style={{ width: fit.width, height: fit.height }}>
      <img src={artifactUrl(image)} alt="segment input" width={fit.width} height={fit.height} draggable={false} />
      {preview && <MaskCanvas preview={preview} width={fit.width} height={fit.height} />}
      <svg
        className="ws-prompts"
        width={fit.width}
        height={fit.height}
        viewBox={`0 0 ${iw} ${ih}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onContextMenu={(e) => e.preventDefault()}
        data-testid="segment-stage"
      >
        {shownBox && <rect className="ws-box" x={shownBox[0]} y={shownBox[1]} width={shownBox[2] - shownBox[0]} height={shownBox[3] - shownBox[1]} strokeWidth={2 / fit.scale} />}
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
            onDoubleClick={() => onChange((d) => withoutPoint(d, i))}
          />
        ))}
      </svg>
    </div>
  );
}
