// Renders the one open dialog.
import { X } from 'lucide-react';
import { lazy, Suspense, useState } from 'react';
import { apiToken } from '../api/client';
import { NodeMenu } from '../components/NodeMenu';
import { AnnotationMenu, PaneMenu } from '../annotations/CanvasMenu';
import { NodeSearch } from '../components/NodeSearch';
import { currentFlow, resolveConflict, saveFlow } from '../store/files';
import { openDialog, useEditor, type Dialog } from '../store/store';
import { SHORTCUTS } from '../shortcuts';
import { cliCommand, curlCommand, currentInputValues } from './headless';

const ImageViewer = lazy(() => import('./ImageViewer').then((m) => ({ default: m.ImageViewer })));

function Modal({ title, children, wide }: { title: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openDialog(null)}>
      <div className={`modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title}>
        <header>
          <h2>{title}</h2>
          <button type="button" className="icon" aria-label="Close" onClick={() => openDialog(null)}><X size={16} aria-hidden /></button>
        </header>
        {children}
      </div>
    </div>
  );
}

function CopyBlock({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-block">
      <div className="row">
        <b>{label}</b>
        <button type="button" onClick={() => {
            navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
          }}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre data-command={label}>{text}</pre>
    </div>
  );
}

function Headless() {
  const flowId = useEditor((s) => s.flowId);
  const dirty = useEditor((s) => s.dirty);
  const flow = currentFlow();
  const inputs = currentInputValues(flow);
  const id = flowId ?? '<save the flow first>';
  return (
    <Modal title="Run headless" wide>
      {!flowId && <p className="warn">This flow is not saved yet: save it (Ctrl+S) to get its id.</p>}
      {flowId && dirty && <p className="warn">Unsaved changes: headless runs use the saved file.</p>}
      <CopyBlock label="curl" text={curlCommand(location.origin, id, inputs, !!apiToken)} />
      <CopyBlock label="CLI" text={cliCommand(id, inputs)} />
      <h3>Inputs</h3>
      {Object.keys(flow.inputs).length === 0 ? (
        <p className="muted small">No flow inputs. Select a node and use “mark as flow input” on a parameter.</p>
      ) : (
        <ul>
          {Object.entries(flow.inputs).map(([name, b]) => (
            <li key={name}>
              <code>{name}</code> sets {b.node}.{'param' in b ? b.param : b.port}
            </li>
          ))}
        </ul>
      )}
      <h3>Outputs</h3>
      {Object.keys(flow.outputs).length === 0 ? (
        <p className="muted small">No flow outputs. Select a node and use “mark as flow output” on a port; the run record's <code>outputs</code> then has them by name.</p>
      ) : (
        <ul>
          {Object.entries(flow.outputs).map(([name, b]) => (
            <li key={name}>
              <code>{name}</code> ← {b.node}.{b.port}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

function Conflict({ currentRevision }: { currentRevision?: number }) {
  const revision = useEditor((s) => s.meta.revision);
  return (
    <Modal title="Save conflict">
      <p>
        Someone saved this flow after you opened it (you have revision {revision}
        {currentRevision !== undefined && `, the file is at revision ${currentRevision}`}).
      </p>
      <div className="row buttons">
        <button type="button" onClick={() => void resolveConflict('reload')} title="Discard your changes and load the saved version">Reload theirs</button>
        <button type="button" onClick={() => void resolveConflict('overwrite')} title="Replace the saved version with yours">Overwrite</button>
        <button type="button" className="primary" onClick={() => void resolveConflict('copy')} title="Keep both: save yours as a new flow">Save as copy</button>
      </div>
    </Modal>
  );
}

function Prompt({ dialog }: { dialog: Extract<Dialog, { kind: 'prompt' }> }) {
  const [value, setValue] = useState(dialog.value);
  const submit = () => {
    if (!value.trim()) return;
    openDialog(null);
    dialog.onSubmit(value.trim());
  };
  return (
    <Modal title={dialog.title}>
      <form onSubmit={(e) => (e.preventDefault(), submit())}>
        <label>
          {dialog.label} <input autoFocus value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <div className="row buttons">
          <button type="button" onClick={() => openDialog(null)}>Cancel</button>
          <button type="submit" className="primary">{dialog.confirm}</button>
        </div>
      </form>
    </Modal>
  );
}

function Unsaved({ then }: { then: () => void }) {
  const name = useEditor((s) => s.meta.name);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    setSaving(true);
    const saved = await saveFlow();
    setSaving(false);
    // A failed save (or a revision conflict, which opens its own dialog) keeps the flow open.
    if (saved) then();
  };
  return (
    <Modal title="Unsaved changes">
      <p>“{name}” has changes that are not saved.</p>
      <div className="row buttons">
        <button type="button" onClick={() => openDialog(null)}>Keep editing</button>
        <button type="button" className="danger" onClick={() => (openDialog(null), then())}>Discard</button>
        <button type="button" className="primary" autoFocus disabled={saving} onClick={() => void save()}>{saving ? 'Saving…' : 'Save'}</button>
      </div>
    </Modal>
  );
}

export function Dialogs() {
  const dialog = useEditor((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'search':
      return <NodeSearch dialog={dialog} />;
    case 'node-menu':
      return <NodeMenu dialog={dialog} />;
    case 'pane-menu':
      return <PaneMenu dialog={dialog} />;
    case 'annotation-menu':
      return <AnnotationMenu dialog={dialog} />;
    case 'conflict':
      return <Conflict currentRevision={dialog.currentRevision} />;
    case 'headless':
      return <Headless />;
    case 'prompt':
      return <Prompt dialog={dialog} />;
    case 'unsaved':
      return <Unsaved then={dialog.then} />;
    case 'confirm':
      return (
        <Modal title={dialog.title}>
          <p>{dialog.text}</p>
          <div className="row buttons">
            <button type="button" onClick={() => openDialog(null)}>Keep</button>
            <button type="button" className="primary danger" autoFocus onClick={() => (openDialog(null), dialog.onConfirm())}>{dialog.confirm}</button>
          </div>
        </Modal>
      );
    case 'image':
      return (
        <Modal title={dialog.title} wide>
          <Suspense fallback={null}>
            <ImageViewer url={dialog.url} title={dialog.title} />
          </Suspense>
        </Modal>
      );
    case 'shortcuts':
      return (
        <Modal title="Keyboard shortcuts">
          <table className="shortcuts">
            <tbody>
              {SHORTCUTS.map(([keys, action]) => (
                <tr key={keys}>
                  <td><kbd>{keys}</kbd></td>
                  <td>{action}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">On macOS, Cmd works wherever Ctrl is listed.</p>
        </Modal>
      );
  }
}
