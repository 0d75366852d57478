// The minimap: every node as a rectangle coloured by its run status, the viewport as a window in a
// mask; drag it to pan, wheel over it to zoom. React Flow's own MiniMap renders one component (with
// its own store subscription) and one SVG element per node, which was most of what opening a
// 500-node flow cost beyond a small one; here all nodes of a colour are one SVG path.
import { Panel, useReactFlow, useStore, type Node, type ReactFlowState } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useEditor } from '../store/store';
import type { NodeRunState } from '../store/run-state';

const WIDTH = 160;
const HEIGHT = 110;
/** Margin around the flow, in minimap pixels. */
const OFFSET = 5;

const statusColor: Record<string, string> = {
  queued: '#a78bfa',
  running: '#38bdf8',
  succeeded: '#22c55e',
  cached: '#14b8a6',
  failed: '#ef4444',
  skipped: '#6b7280',
};
const IDLE_COLOR = '#64748b';

const viewportOf = (s: ReactFlowState) => `${s.transform[0]} ${s.transform[1]} ${s.transform[2]} ${s.width} ${s.height}`;

/** Run statuses, taken at most once a frame: a run's events change them far more often than a minimap needs. */
function useStatusesByFrame(): Record<string, NodeRunState> | undefined {
  const [statuses, setStatuses] = useState(() => useEditor.getState().run?.nodes);
  useEffect(() => {
    let frame = 0;
    const unsubscribe = useEditor.subscribe((s, prev) => {
      if (s.run?.nodes === prev.run?.nodes || frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setStatuses(useEditor.getState().run?.nodes);
      });
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, []);
  return statuses;
}

interface Props {
  /** What the canvas draws; nodes without a size yet (never measured nor estimated) are left out. */
  nodes: Node[];
  /** Nodes drawn transparent (groups and notes). */
  isAnnotation: (id: string) => boolean;
}

export function FlowMinimap({ nodes, isAnnotation }: Props) {
  const rf = useReactFlow();
  const [tx, ty, zoom, flowWidth, flowHeight] = useStore(viewportOf).split(' ').map(Number);
  const statuses = useStatusesByFrame();
  const svg = useRef<SVGSVGElement>(null);

  const { paths, bounds } = useMemo(() => {
    const byColor = new Map<string, string[]>();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of nodes) {
      const width = n.measured?.width ?? n.width ?? n.initialWidth;
      const height = n.measured?.height ?? n.height ?? n.initialHeight;
      if (n.hidden || !width || !height) continue;
      const { x, y } = n.position;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + width);
      y1 = Math.max(y1, y + height);
      if (isAnnotation(n.id)) continue;
      const color = statusColor[statuses?.[n.id]?.status ?? ''] ?? IDLE_COLOR;
      let parts = byColor.get(color);
      if (!parts) byColor.set(color, (parts = []));
      parts.push(`M${x},${y}h${width}v${height}h${-width}z`);
    }
    return { paths: [...byColor].map(([color, parts]) => ({ color, d: parts.join('') })), bounds: x0 <= x1 ? { x0, y0, x1, y1 } : undefined };
  }, [nodes, isAnnotation, statuses]);

  // The visible part of the flow, and the box the minimap shows: the nodes and the view together.
  const view = { x: -tx / zoom, y: -ty / zoom, width: flowWidth / zoom, height: flowHeight / zoom };
  const bx0 = Math.min(view.x, bounds?.x0 ?? view.x);
  const by0 = Math.min(view.y, bounds?.y0 ?? view.y);
  const bw = Math.max(view.x + view.width, bounds?.x1 ?? -Infinity) - bx0;
  const bh = Math.max(view.y + view.height, bounds?.y1 ?? -Infinity) - by0;
  const scale = Math.max(bw / WIDTH, bh / HEIGHT) || 1;
  const offset = OFFSET * scale;
  const x = bx0 - (scale * WIDTH - bw) / 2 - offset;
  const y = by0 - (scale * HEIGHT - bh) / 2 - offset;
  const w = scale * WIDTH + 2 * offset;
  const h = scale * HEIGHT + 2 * offset;

  // Drag pans (the view window follows the pointer), wheel zooms about the view's centre.
  const scaleRef = useRef(scale);
  scaleRef.current = scale;
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    let last: { x: number; y: number } | undefined;
    const down = (e: PointerEvent) => {
      if (e.button !== 0) return;
      last = { x: e.clientX, y: e.clientY };
      el.setPointerCapture(e.pointerId);
    };
    const move = (e: PointerEvent) => {
      if (!last) return;
      const { x, y, zoom } = rf.getViewport();
      const k = scaleRef.current * zoom;
      void rf.setViewport({ x: x - (e.clientX - last.x) * k, y: y - (e.clientY - last.y) * k, zoom });
      last = { x: e.clientX, y: e.clientY };
    };
    const up = () => (last = undefined);
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const step = -e.deltaY * (e.deltaMode === 1 ? 0.05 : e.deltaMode ? 1 : 0.002);
      void rf.zoomTo(rf.getZoom() * Math.pow(2, step));
    };
    el.addEventListener('pointerdown', down);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
    el.addEventListener('wheel', wheel, { passive: false });
    return () => {
      el.removeEventListener('pointerdown', down);
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      el.removeEventListener('wheel', wheel);
    };
  }, [rf]);

  return (
    <Panel position="bottom-right" className="react-flow__minimap" data-testid="rf__minimap">
      <svg ref={svg} width={WIDTH} height={HEIGHT} viewBox={`${x} ${y} ${w} ${h}`} className="react-flow__minimap-svg" role="img" aria-label="Minimap">
        {paths.map((p) => (
          <path key={p.color} className="react-flow__minimap-node" d={p.d} style={{ fill: p.color, strokeWidth: 0 }} shapeRendering="crispEdges" />
        ))}
        <path
          className="react-flow__minimap-mask"
          d={`M${x - offset},${y - offset}h${w + offset * 2}v${h + offset * 2}h${-w - offset * 2}z M${view.x},${view.y}h${view.width}v${view.height}h${-view.width}z`}
          fillRule="evenodd"
          pointerEvents="none"
        />
      </svg>
    </Panel>
  );
}
