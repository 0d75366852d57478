// The large image view: zoom (wheel, buttons) and pan (drag), a checkerboard behind transparency,
// download, and an A/B compare slider against any other image of the run on screen.
import { Download, ZoomIn, ZoomOut } from 'lucide-react';
import { useMemo, useRef, useState } from 'react';
import { isArtifact } from '../../../model/artifact';
import { artifactUrl } from '../api/client';
import { useEditor } from '../store/store';

export interface Candidate {
  key: string;
  label: string;
  url: string;
}

/** Every image output of the run on screen, labelled "node · port". */
function useRunImages(): Candidate[] {
  const run = useEditor((s) => s.run);
  return useMemo(() => {
    const list: Candidate[] = [];
    for (const [nodeId, n] of Object.entries(run?.nodes ?? {}))
      for (const [port, value] of Object.entries(n.outputs ?? {}))
        if (isArtifact(value) && value.mediaType.startsWith('image/')) list.push({ key: `${nodeId}.${port}`, label: `${nodeId} · ${port}`, url: artifactUrl(value) });
    return list;
  }, [run]);
}

/** `compareWith`: an image to offer (and show) first in the compare slider, e.g. another sweep cell. */
export function ImageViewer({ url, title, compareWith }: { url: string; title: string; compareWith?: Candidate }) {
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [other, setOther] = useState(compareWith?.key ?? '');
  const [split, setSplit] = useState(50);
  const drag = useRef<{ x: number; y: number; pan: { x: number; y: number } } | null>(null);
  const candidates = [...(compareWith ? [compareWith] : []), ...useRunImages()].filter((c) => c.url !== url);
  const compare = candidates.find((c) => c.key === other);
  const zoomBy = (f: number) => setZoom((z) => Math.min(16, Math.max(0.1, z * f)));
  const transform = { transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` };
  return (
    <div className="image-viewer" data-zoom={zoom.toFixed(2)}>
      <div className="row image-viewer-tools">
        <button type="button" className="icon" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>
          <ZoomIn size={16} aria-hidden />
        </button>
        <button type="button" className="icon" aria-label="Zoom out" onClick={() => zoomBy(0.8)}>
          <ZoomOut size={16} aria-hidden />
        </button>
        <button type="button" onClick={() => (setZoom(1), setPan({ x: 0, y: 0 }))}>
          {Math.round(zoom * 100)}%
        </button>
        <label className="compare-pick">
          Compare with{' '}
          <select aria-label="Compare with" value={other} onChange={(e) => setOther(e.target.value)}>
            <option value="">—</option>
            {candidates.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <a className="icon" href={`${url}${url.includes('?') ? '&' : '?'}download=1`} download aria-label="Download" title="Download">
          <Download size={16} aria-hidden />
        </a>
      </div>
      <div
        className="image-viewer-stage checkerboard"
        onWheel={(e) => zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15)}
        onPointerDown={(e) => {
          if ((e.target as HTMLElement).closest('.compare-handle')) return;
          drag.current = { x: e.clientX, y: e.clientY, pan };
          e.currentTarget.setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => drag.current && setPan({ x: drag.current.pan.x + e.clientX - drag.current.x, y: drag.current.pan.y + e.clientY - drag.current.y })}
        onPointerUp={() => (drag.current = null)}
      >
        <img className="large-view" src={url} alt={title} draggable={false} style={transform} />
        {compare && (
          <>
            <img className="large-view compare-b" src={compare.url} alt={`${compare.label} (compared)`} draggable={false} style={{ ...transform, clipPath: `inset(0 0 0 ${split}%)` }} data-compare={compare.key} />
            <input
              className="compare-handle"
              type="range"
              min={0}
              max={100}
              value={split}
              aria-label="Compare split"
              onChange={(e) => setSplit(Number(e.target.value))}
            />
          </>
        )}
      </div>
    </div>
  );
}
