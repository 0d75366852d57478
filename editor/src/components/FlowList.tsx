// Saved flows: open, new, rename, duplicate, delete.
import { Copy, Pencil, RefreshCw, Trash2 } from 'lucide-react';
import { useEffect } from 'react';
import { deleteFlow, duplicateFlow, newFlow, openFlow, refreshFlows, renameFlow } from '../store/files';
import { resumeLatestRun } from '../store/runs';
import { openDialog, toast, useEditor } from '../store/store';

function guard(action: () => Promise<void>) {
  action().catch((error: Error) => toast(error.message, 'error'));
}

export function confirmDiscard(then: () => void) {
  if (!useEditor.getState().dirty) return then();
  openDialog({ kind: 'unsaved', then });
}

export function openFlowWithRun(id: string) {
  guard(async () => {
    await openFlow(id);
    await resumeLatestRun(id);
  });
}

export function FlowList() {
  const flows = useEditor((s) => s.flows);
  const current = useEditor((s) => s.flowId);
  useEffect(() => void refreshFlows(), []);
  return (
    <div className="flow-list" aria-label="Flows">
      <div className="row">
        <button type="button" onClick={() => confirmDiscard(newFlow)}>New flow</button>
        <button type="button" className="icon" aria-label="Refresh flows" onClick={() => void refreshFlows()}><RefreshCw size={14} aria-hidden /></button>
      </div>
      <ul>
        {flows.map((f) => (
          <li key={f.id} className={f.id === current ? 'current' : ''} data-flow-id={f.id}>
            <button type="button" className="link flow-open" title={f.description ?? f.id} onClick={() => confirmDiscard(() => openFlowWithRun(f.id))}>
              {f.name}
            </button>
            <span className="muted small">r{f.revision}</span>
            <span className="flow-actions">
              <button type="button" className="icon" aria-label={`Rename ${f.name}`} title="Rename" onClick={() => openDialog({ kind: 'prompt', title: 'Rename flow', label: 'Name', value: f.name, confirm: 'Rename', onSubmit: (name) => guard(() => renameFlow(f.id, name)) })}><Pencil size={14} aria-hidden /></button>
              <button type="button" className="icon" aria-label={`Duplicate ${f.name}`} title="Duplicate" onClick={() => confirmDiscard(() => guard(() => duplicateFlow(f.id)))}><Copy size={14} aria-hidden /></button>
              <button type="button" className="icon" aria-label={`Delete ${f.name}`} title="Delete" onClick={() => openDialog({ kind: 'confirm', title: `Delete “${f.name}”?`, text: `flows/${f.id}.json will be removed.`, confirm: 'Delete', onConfirm: () => guard(() => deleteFlow(f.id)) })}><Trash2 size={14} aria-hidden /></button>
            </span>
          </li>
        ))}
        {flows.length === 0 && <li className="muted small">No saved flows yet.</li>}
      </ul>
    </div>
  );
}
