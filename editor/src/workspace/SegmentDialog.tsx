// Click-to-segment: the node's input image large; clicks add object points, Alt/right-click
// background points, a drag draws a box; points can be dragged and deleted. Every change runs the
// flow up to this node (upstream comes from the cache) and shows the mask. Closing saves the
// prompts into the node's params as one undoable step (the store's updateParams). Parts: ./segment/.
import { X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { toast, updateParams, useEditor } from '../store/store';
import { pointPromptCapability } from './capabilities';
import { EMPTY_DRAFT, draftFrom, paramsPatch, withoutPoint, type Draft } from './segment/segment-draft';
import { SegmentSide } from './segment/SegmentSide';
import { SegmentStage } from './segment/SegmentStage';
import { useSegmentInput } from './segment/use-segment-input';
import { useSegmentPreview } from './segment/use-segment-preview';
import { openWorkspace } from './workspace-store';
import './workspace.css';

function NoPrompts() {
  return (
    <div className="ws-backdrop">
      <div className="ws-modal" role="dialog" aria-label="Select object">
        <p>This node takes no point prompts.</p>
        <button type="button" onClick={() => openWorkspace(null)}>Close</button>
      </div>
    </div>
  );
}

export function SegmentDialog({ nodeId }: { nodeId: string }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === nodeId));
  const spec = useEditor((s) => (node ? s.catalog?.byType.get(node.data.atype) : undefined));
  const cap = pointPromptCapability(spec);
  const [draft, setDraft] = useState<Draft>(() => (node && cap ? draftFrom(node.data.params, cap) : EMPTY_DRAFT));
  const [selected, setSelected] = useState<number | null>(null);
  const touched = useRef(false);
  const stage = useRef<HTMLDivElement>(null);
  const input = useSegmentInput(nodeId, cap);
  const { preview, error: previewError, busy } = useSegmentPreview(nodeId, spec, cap, draft, input.image, touched.current);

  const change = (next: (d: Draft) => Draft) => {
    touched.current = true;
    setDraft(next);
  };

  const close = (save: boolean) => {
    if (save && node && cap && touched.current) {
      updateParams(nodeId, paramsPatch(node.data.params, cap, draft));
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
        change((d) => withoutPoint(d, selected));
        setSelected(null);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  if (!node || !cap) return <NoPrompts />;

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
            {input.error && <div className="anode-error" role="alert">{input.error}</div>}
            {!input.image && !input.error && <div className="muted">Loading the input image…</div>}
            {input.image && (
              <SegmentStage
                stage={stage}
                image={input.image}
                draft={draft}
                preview={preview}
                selected={selected}
                canBox={!!cap.boxParam}
                onSelect={setSelected}
                onChange={change}
                onDrag={(next) => {
                  touched.current = true;
                  setDraft(next);
                }}
              />
            )}
          </div>
          <SegmentSide cap={cap} draft={draft} preview={preview} previewError={previewError} busy={busy} selected={selected} onSelect={setSelected} onChange={change} onClose={close} />
        </div>
      </div>
    </div>
  );
}
