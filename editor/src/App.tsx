// Layout and start-up: load the catalog, connect the event stream, open what the URL names.
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { api } from './api/client';
import { Canvas } from './components/Canvas';
import { DraftOffer } from './components/DraftOffer';
import { ProblemsPanel } from './problems/ProblemsPanel';
import { startChecks } from './problems/checks';
import { EmptyHint } from './components/EmptyHint';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { Dialogs } from './dialogs/Dialogs';
import { Inspector } from './inspector/Inspector';
import { PanelFrame } from './layout/PanelFrame';
import { pasteHandler } from './images/paste';
import { handleShortcut, setSearchFlowPosition } from './shortcuts';
import { startDrafts } from './store/drafts';
import { whenDrawn } from './store/when-drawn';
import { newFlow, openFlow, refreshFlows } from './store/files';
import { openRun, resumeLatestRun, startEventStream } from './store/runs';
import { setCatalog, toast, useEditor } from './store/store';
import { WorkspaceLayer } from './workspace/WorkspaceLayer';

// Start-up requests go out at once, in parallel, before React renders anything.
const startParams = new URLSearchParams(location.search);
const catalogRequest = api.catalog();
catalogRequest.catch(() => {}); // reported by App
const flowRequest = startParams.get('flow') ? api.getFlow(startParams.get('flow')!) : undefined;
flowRequest?.catch(() => {}); // reported by openFromUrl

async function openFromUrl(): Promise<void> {
  const flowId = startParams.get('flow');
  const runId = startParams.get('run');
  if (flowId) {
    await openFlow(flowId, flowRequest);
    if (runId) await openRun(runId, { loadFlow: false });
    else void resumeLatestRun(flowId).catch((error: Error) => toast(`Could not check the flow's latest run: ${error.message}`, 'error'));
  } else if (runId) {
    await openRun(runId, { loadFlow: true });
  } else newFlow(); // an empty canvas, with the draft of an unsaved flow offered back
}

function Workspace() {
  const rf = useReactFlow();
  useEffect(() => {
    const centre = () => {
      const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
      return rf.screenToFlowPosition(canvas ? { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 } : { x: 400, y: 300 });
    };
    setSearchFlowPosition(centre);
    const onPaste = pasteHandler((p) => rf.screenToFlowPosition(p), centre);
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [rf]);
  return (
    <div className="app">
      <Toolbar />
      <div className="main">
        <PanelFrame side="left" name="side panel" className="sidebar">
          <Sidebar />
        </PanelFrame>
        <main className="canvas-area">
          <Canvas />
          <EmptyHint />
          <DraftOffer />
          <ProblemsPanel />
        </main>
        <PanelFrame side="right" name="inspector" className="right">
          <Inspector />
        </PanelFrame>
      </div>
      <Dialogs />
      <WorkspaceLayer />
      <Toasts />
    </div>
  );
}

export function App() {
  const [failure, setFailure] = useState<string | null>(null);
  // The canvas mounts once the flow the URL names is loaded, so it is drawn once, already fitted.
  const ready = useEditor((s) => s.catalog !== null && !s.booting);

  useEffect(() => {
    let cancelled = false;
    let stopDrafts = () => {};
    let stopChecks = () => {};
    catalogRequest
      .then(async (catalog) => {
        if (cancelled) return;
        setCatalog(catalog);
        startEventStream();
        await openFromUrl().catch((error: Error) => toast(`Could not open what the address names: ${error.message}`, 'error'));
        useEditor.setState({ booting: false });
        stopDrafts = startDrafts();
        stopChecks = whenDrawn(() => {
          void refreshFlows();
          return startChecks();
        });
      })
      .catch((error: Error) => setFailure(error.message));
    window.addEventListener('keydown', handleShortcut);
    return () => {
      cancelled = true;
      stopDrafts();
      stopChecks();
      window.removeEventListener('keydown', handleShortcut);
    };
  }, []);

  if (failure)
    return (
      <div className="fatal" role="alert">
        <h1>Atelier cannot load its node catalog</h1>
        <p>{failure}</p>
        <p>Is the runtime running? Start it with <code>npm start</code>, then reload.</p>
      </div>
    );
  if (!ready) return <div className="loading">Loading Atelier…</div>;
  return (
    <ReactFlowProvider>
      <Workspace />
    </ReactFlowProvider>
  );
}
