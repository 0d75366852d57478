// A side panel that can be hidden (a rail with a Show button remains) and resized by dragging its edge.
import { PanelLeftClose, PanelLeftOpen, PanelRightClose, PanelRightOpen } from 'lucide-react';
import { useRef } from 'react';
import { setPanelOpen, setPanelWidth, usePanels, type Side } from './panels';

interface Props {
  side: Side;
  /** Names the panel in its buttons ("Hide nodes panel"). */
  name: string;
  className: string;
  children: React.ReactNode;
}

function ResizeHandle({ side, name }: { side: Side; name: string }) {
  const start = useRef<{ x: number; width: number } | null>(null);
  const width = usePanels((s) => s[side].width);
  return (
    <div
      className={`panel-resize panel-resize-${side}`}
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize ${name}`}
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={(e) => {
        start.current = { x: e.clientX, width };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (!start.current) return;
        const dx = e.clientX - start.current.x;
        setPanelWidth(side, start.current.width + (side === 'left' ? dx : -dx));
      }}
      onPointerUp={() => (start.current = null)}
      onKeyDown={(e) => {
        const step = e.key === 'ArrowLeft' ? -16 : e.key === 'ArrowRight' ? 16 : 0;
        if (step) setPanelWidth(side, width + (side === 'left' ? step : -step));
      }}
    />
  );
}

export function PanelFrame({ side, name, className, children }: Props) {
  const { open, width } = usePanels((s) => s[side]);
  const Close = side === 'left' ? PanelLeftClose : PanelRightClose;
  const Open = side === 'left' ? PanelLeftOpen : PanelRightOpen;
  if (!open)
    return (
      <div className={`panel-rail panel-rail-${side}`} data-panel={side} data-open="false">
        <button type="button" className="icon" aria-label={`Show ${name}`} title={`Show ${name}`} onClick={() => setPanelOpen(side, true)}>
          <Open size={16} aria-hidden />
        </button>
      </div>
    );
  const panel = (
    <aside className={`${className} panel`} style={{ width }} data-panel={side} data-open="true">
      <button type="button" className={`icon panel-hide panel-hide-${side}`} aria-label={`Hide ${name}`} title={`Hide ${name}`} onClick={() => setPanelOpen(side, false)}>
        <Close size={15} aria-hidden />
      </button>
      {children}
    </aside>
  );
  return side === 'left' ? (
    <>
      {panel}
      <ResizeHandle side={side} name={name} />
    </>
  ) : (
    <>
      <ResizeHandle side={side} name={name} />
      {panel}
    </>
  );
}
