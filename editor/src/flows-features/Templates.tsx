// "New from template": the shipped template flows (GET /api/templates) with description and preview;
// choosing one opens a copy as a new, unsaved flow. The open flow can be saved as a template (POST /api/templates).
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { api, request, withToken } from '../api/client';
import { confirmDiscard } from '../components/FlowList';
import { currentFlow, importFlowDocument } from '../store/files';
import { toast, useEditor } from '../store/store';
import './flows-features.css';

export interface TemplateSummary {
  id: string;
  name: string;
  description?: string;
  nodeCount: number;
  inputs: string[];
  outputs: string[];
  previewUrl: string | null;
}

/** Opens a copy of template `id` as a new unsaved flow (not itself a template). */
export async function openTemplate(id: string): Promise<void> {
  const flow = { ...(await api.getFlow(id)) };
  delete flow.template;
  delete flow.preview;
  confirmDiscard(() => void importFlowDocument(flow));
}

export function TemplatesDialog({ onClose }: { onClose: () => void }) {
  const [list, setList] = useState<TemplateSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loads, setLoads] = useState(0);
  const [saving, setSaving] = useState(false);
  const hasNodes = useEditor((s) => s.nodes.length > 0);
  useEffect(() => {
    let live = true;
    request<TemplateSummary[]>('GET', '/api/templates').then(
      (l) => live && setList(l),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [loads]);
  const saveCurrent = () => {
    setSaving(true);
    request<{ id: string }>('POST', '/api/templates', { flow: currentFlow() })
      .then(
        (saved) => {
          toast(`Saved “${useEditor.getState().meta.name}” as template ${saved.id}`);
          setLoads((n) => n + 1);
        },
        (e: Error) => toast(`Save as template failed: ${e.message}`, 'error'),
      )
      .finally(() => setSaving(false));
  };
  const choose = (id: string) => {
    onClose();
    openTemplate(id).catch((e: Error) => toast(`Could not open template ${id}: ${e.message}`, 'error'));
  };
  return createPortal(
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal templates-modal" role="dialog" aria-modal="true" aria-label="New from template">
        <header>
          <h2>New from template</h2>
          <button type="button" className="icon" aria-label="Close" onClick={onClose}>×</button>
        </header>
        <p>
          <button type="button" disabled={!hasNodes || saving} title="Save a copy of the open flow into flows/ as a template" onClick={saveCurrent}>
            {saving ? 'Saving…' : 'Save this flow as a template'}
          </button>
        </p>
        {error && <p role="alert">Could not list templates: {error}</p>}
        {!list && !error && <p className="muted small">Loading…</p>}
        {list?.length === 0 && <p className="muted small">No templates: a flow with "template": true in flows/ is listed here.</p>}
        <ul className="template-list">
          {list?.map((t) => (
            <li key={t.id}>
              <button type="button" className="template-card" data-template-id={t.id} onClick={() => choose(t.id)}>
                {t.previewUrl ? <img src={withToken(t.previewUrl)} alt={`${t.name} preview`} loading="lazy" /> : <span className="template-noimg muted small">no preview yet</span>}
                <span className="template-text">
                  <b>{t.name}</b>
                  {t.description && <span className="small">{t.description}</span>}
                  <span className="muted small">{t.nodeCount} nodes{t.inputs.length ? ` · inputs: ${t.inputs.join(', ')}` : ''}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>,
    document.body,
  );
}
