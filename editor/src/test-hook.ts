// TEST HOOK (also in the production build): `window.__atelier` lets the browser suite and
// bench/editor.ts read the store and inject run events without a server run. Not an API for users.
import type { Flow } from '../../model/flow';
import type { RunEvent } from './api/types';
import { currentFlow, loadFlowDocument } from './store/files';
import { onEvent } from './store/runs';
import { emptyRun } from './store/run-state';
import { useEditor } from './store/store';

export interface AtelierTestHook {
  store: typeof useEditor;
  /** The flow document the editor would save now. */
  flow(): Flow;
  load(flow: Flow, flowId?: string | null): void;
  /** Shows an (empty) run with this id, so injected events for it are applied. */
  showRun(runId: string): void;
  applyEvents(events: RunEvent[]): void;
}

declare global {
  interface Window {
    __atelier?: AtelierTestHook;
  }
}

export function installTestHook(): void {
  window.__atelier = {
    store: useEditor,
    flow: currentFlow,
    load: (flow, flowId = null) => loadFlowDocument(flow, flowId),
    showRun: (runId) => useEditor.setState({ run: emptyRun(runId, useEditor.getState().flowId ?? undefined) }),
    applyEvents: (events) => {
      for (const event of events) onEvent(event);
    },
  };
}
