// Top bar: flow name + unsaved marker, file actions, run controls, view and help.
import { CircleDot, FileDown, FilePlus2, FolderOpen, Group, Keyboard, Maximize, Moon, Network, Play, Redo2, Save, Square, StickyNote, Sun, Terminal, Undo2, type LucideIcon } from 'lucide-react';
import { useReactFlow } from '@xyflow/react';
import { useRef } from 'react';
import { layoutGraph } from '../graph/layout';
import { importImageOrFlow } from '../flows-features/embedded-flow';
import { TemplatesButton } from '../flows-features/TemplatesButton';
import { isImageFile } from '../images/image-files';
import { exportFlow, importFlowText, newFlow, saveFlow } from '../store/files';
import { isLive } from '../store/run-state';
import { cancelRun, run } from '../store/runs';
import { applyLayout, openDialog, redo, setFlowName, setTheme, toast, undo, useEditor } from '../store/store';
import { confirmDiscard } from './FlowList';
import { addGroup, addNote } from '../annotations/annotations';

/** A toolbar button: icon and label; below 1280 px wide only the icon shows (the label stays its name); `compact` ones show only the icon below 1600 px. */
function Tool({ icon: Icon, label, title, onClick, disabled, primary, compact }: { icon: LucideIcon; label: string; title: string; onClick: () => void; disabled?: boolean; primary?: boolean; compact?: boolean }) {
  return (
    <button type="button" className={`tool${primary ? ' primary' : ''}${compact ? ' compact' : ''}`} aria-label={label} title={title} onClick={onClick} disabled={disabled}>
      <Icon size={15} aria-hidden />
      <span className="tool-label">{label}</span>
    </button>
  );
}

export function Toolbar() {
  const name = useEditor((s) => s.meta.name);
  const flowId = useEditor((s) => s.flowId);
  const revision = useEditor((s) => s.meta.revision);
  const dirty = useEditor((s) => s.dirty);
  const runStatus = useEditor((s) => s.run?.status);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const theme = useEditor((s) => s.theme);
  const socket = useEditor((s) => s.socket);
  const live = !!runStatus && isLive(runStatus);
  const fileInput = useRef<HTMLInputElement>(null);
  const rf = useReactFlow();

  /** The middle of the visible canvas, in flow coordinates (new groups and notes go there). */
  const canvasMiddle = () => {
    const box = document.querySelector('.canvas')?.getBoundingClientRect();
    const middle = rf.screenToFlowPosition(box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : { x: innerWidth / 2, y: innerHeight / 2 });
    return { x: middle.x - 110, y: middle.y - 70 };
  };

  const autoLayout = async () => {
    const s = useEditor.getState();
    try {
      applyLayout(await layoutGraph(s.nodes, s.edges));
      requestAnimationFrame(() => void rf.fitView({ padding: 0.15, maxZoom: 1.2 }));
    } catch (error) {
      toast(`Auto-layout failed: ${(error as Error).message}`, 'error');
    }
  };

  return (
    <header className="toolbar" role="toolbar" aria-label="Editor toolbar">
      <span className="brand">Atelier</span>
      <input className="flow-name" aria-label="Flow name" value={name} onChange={(e) => setFlowName(e.target.value)} />
      <span className="muted small flow-id" title={flowId ? `flows/${flowId}.json, revision ${revision}` : 'not saved yet'}>
        {flowId ? `${flowId} · r${revision}` : 'new'}
      </span>
      {dirty && (
        <span className="unsaved" data-unsaved="true" title="Unsaved changes" aria-label="Unsaved changes">
          <CircleDot size={12} aria-hidden /> unsaved
        </span>
      )}
      <span className="group">
        <Tool icon={FilePlus2} label="New" title="New flow" onClick={() => confirmDiscard(newFlow)} />
        <TemplatesButton />
        <Tool icon={Save} label="Save" title="Save (Ctrl+S)" onClick={() => void saveFlow()} />
        <Tool icon={FolderOpen} label="Import" title="Import a flow .json, or an image (added as a Load image node)" onClick={() => fileInput.current?.click()} />
        <Tool icon={FileDown} label="Export" title="Export as .json (Ctrl+Shift+E)" onClick={exportFlow} />
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json,image/png,image/jpeg,image/webp,image/gif"
          hidden
          aria-label="Import flow file or image"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            const failed = (error: Error) => toast(`Import failed: ${error.message}`, 'error');
            if (isImageFile(file)) importImageOrFlow(file).catch(failed);
            else confirmDiscard(() => {
              file.text().then(importFlowText).catch(failed);
            });
          }}
        />
      </span>
      <span className="group">
        <Tool icon={Undo2} label="Undo" title="Undo (Ctrl+Z)" onClick={undo} disabled={!canUndo} />
        <Tool icon={Redo2} label="Redo" title="Redo (Ctrl+Shift+Z)" onClick={redo} disabled={!canRedo} />
        <Tool icon={Maximize} label="Fit view" compact title="Fit the flow in view" onClick={() => void rf.fitView({ padding: 0.15, maxZoom: 1.2, duration: 200 })} />
        <Tool icon={Network} label="Auto-layout" compact title="Arrange nodes left to right" onClick={() => void autoLayout()} />
        <Tool icon={Group} label="Group" compact title="Group the selected nodes in a titled frame (or add an empty group); right-click the canvas for more" onClick={() => void addGroup(canvasMiddle())} />
        <Tool icon={StickyNote} label="Note" compact title="Add a sticky note" onClick={() => void addNote(canvasMiddle())} />
      </span>
      <span className="group run-group">
        <Tool icon={Play} label="Run" title={live ? 'Queue another run of the flow (Ctrl+Enter); the Runs tab lists the queue' : 'Run the flow (Ctrl+Enter)'} onClick={() => void run()} primary />
        <Tool icon={Square} label="Cancel" title="Cancel the run (Ctrl+Escape)" onClick={() => void cancelRun()} disabled={!live} />
        {runStatus && (
          <span className={`run-status run-${runStatus}`} data-run-status={runStatus} aria-live="polite">
            {runStatus}
          </span>
        )}
      </span>
      <span className="spacer" />
      {socket !== 'open' && (
        <span className="muted small" title="Live updates reconnect automatically">
          {socket === 'connecting' ? 'connecting…' : 'offline'}
        </span>
      )}
      <Tool icon={Terminal} label="API" title="Run this flow from curl or the CLI" onClick={() => openDialog({ kind: 'headless' })} />
      <button type="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={theme === 'dark' ? 'Light theme' : 'Dark theme'} title="Switch theme">
        {theme === 'dark' ? <Sun size={16} aria-hidden /> : <Moon size={16} aria-hidden />}
      </button>
      <button type="button" onClick={() => openDialog({ kind: 'shortcuts' })} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)"><Keyboard size={16} aria-hidden /></button>
    </header>
  );
}
