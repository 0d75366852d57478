// Top bar: flow name + unsaved marker, file actions, run controls, view and help.
import { useReactFlow } from '@xyflow/react';
import { useRef } from 'react';
import { layoutGraph } from '../graph/layout';
import { importImageFile } from '../images/import-image';
import { isImageFile } from '../images/image-files';
import { exportFlow, importFlowDocument, importFlowText, newFlow, saveFlow } from '../store/files';
import { isLive } from '../store/run-state';
import { cancelRun, run } from '../store/runs';
import { applyLayout, openDialog, redo, setFlowName, setTheme, toast, undo, useEditor } from '../store/store';
import { confirmDiscard } from './FlowList';

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
      <span className="muted small" title={flowId ? `flows/${flowId}.json, revision ${revision}` : 'not saved yet'}>
        {flowId ? `${flowId} · r${revision}` : 'new'}
      </span>
      {dirty && (
        <span className="unsaved" data-unsaved="true" title="Unsaved changes" aria-label="Unsaved changes">
          ● unsaved
        </span>
      )}
      <span className="group">
        <button type="button" onClick={() => confirmDiscard(newFlow)} title="New flow">New</button>
        <button type="button" onClick={() => void saveFlow()} title="Save (Ctrl+S)">Save</button>
        <button type="button" onClick={() => fileInput.current?.click()} title="Import a flow .json, or an image (added as a Load image node)">Import</button>
        <button type="button" onClick={exportFlow} title="Export as .json (Ctrl+Shift+E)">Export</button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json,image/png,image/jpeg,image/webp,image/gif"
          hidden
          aria-label="Import flow file or image"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            if (isImageFile(file)) await importImageFile(file, (flow) => confirmDiscard(() => importFlowDocument(flow)));
            else confirmDiscard(async () => importFlowText(await file.text()));
          }}
        />
      </span>
      <span className="group">
        <button type="button" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <button type="button" onClick={() => void rf.fitView({ padding: 0.15, maxZoom: 1.2, duration: 200 })} title="Fit the flow in view">Fit view</button>
        <button type="button" onClick={() => void autoLayout()} title="Arrange nodes left to right">Auto-layout</button>
      </span>
      <span className="group run-group">
        <button type="button" className="primary" onClick={() => void run()} disabled={live} title="Run the flow (Ctrl+Enter)">Run</button>
        <button type="button" onClick={() => void cancelRun()} disabled={!live} title="Cancel the run (Ctrl+Escape)">Cancel</button>
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
      <button type="button" onClick={() => openDialog({ kind: 'headless' })} title="Run this flow from curl or the CLI">API</button>
      <button type="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={theme === 'dark' ? 'Light theme' : 'Dark theme'} title="Switch theme">
        {theme === 'dark' ? '☀' : '☾'}
      </button>
      <button type="button" onClick={() => openDialog({ kind: 'shortcuts' })} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">?</button>
    </header>
  );
}
