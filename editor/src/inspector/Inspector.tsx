// The right panel: the selected node's params (generated from JSON Schema), its flow
// input/output marks and last run result; with nothing selected, the flow itself.
import { SweepButton } from '../flows-features/SweepButton';
import { ArrowRight } from 'lucide-react';
import { isArtifact } from '../../../model/artifact';
import { artifactUrl } from '../api/client';
import { formatDuration } from '../components/node/format-duration';
import { IDLE } from '../store/run-state';
import { openDialog, setFlowDescription, setFlowInput, setFlowOutput, setFlowName, updateNodeData, updateParam, useEditor } from '../store/store';
import { issueText } from '../graph/issue-text';
import { ParamField } from './ParamField';
import { ImageSourceField } from '../images/ImageSourceField';
import { cropBoxCapability, imageSourceCapability, pointPromptCapability } from '../workspace/capabilities';
import { openWorkspace } from '../workspace/workspace-store';
import { Crop, MousePointerClick } from 'lucide-react';

function askName(title: string, value: string, onSubmit: (name: string) => void) {
  openDialog({ kind: 'prompt', title, label: 'Name', value, confirm: 'OK', onSubmit });
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === nodeId));
  const spec = useEditor((s) => (node ? s.catalog?.byType.get(node.data.atype) : undefined));
  const state = useEditor((s) => s.run?.nodes[nodeId] ?? IDLE);
  const issues = useEditor((s) => s.issues[nodeId]);
  const meta = useEditor((s) => s.meta);
  if (!node) return null;
  const params = spec?.params.properties ?? {};
  const required = new Set(spec?.params.required ?? []);
  const fieldError = (field: string) => issues?.filter((i) => i.field === field).map(issueText).join('; ') || undefined;
  const otherIssues = issues?.filter((i) => !i.field || !(i.field in params)) ?? [];
  const inputFor = (param: string) => Object.entries(meta.inputs).find(([, b]) => b.node === nodeId && 'param' in b && b.param === param)?.[0];
  const source = imageSourceCapability(spec);
  const prompts = pointPromptCapability(spec);
  const crop = cropBoxCapability(spec);
  const pointCount = prompts && Array.isArray(node.data.params[prompts.pointsParam]) ? (node.data.params[prompts.pointsParam] as unknown[]).length : 0;
  const hasBox = !!prompts?.boxParam && Array.isArray(node.data.params[prompts.boxParam]);
  const outputFor = (port: string) => Object.entries(meta.outputs).find(([, b]) => b.node === nodeId && b.port === port)?.[0];

  return (
    <div className="inspector" aria-label="Inspector">
      <h2>{node.data.label || spec?.title || node.data.atype}</h2>
      <div className="muted small">
        {node.data.atype} · <code>{node.id}</code>
        {spec && ` · v${spec.version}`}
      </div>
      {spec?.description && <p className="description">{spec.description}</p>}
      <div className="field">
        <label htmlFor="node-label">Label</label>
        <input id="node-label" type="text" value={node.data.label ?? ''} placeholder={spec?.title} onChange={(e) => updateNodeData(nodeId, { label: e.target.value })} />
      </div>
      {spec && spec.deterministic !== true && (
        <label className="check">
          <input type="checkbox" checked={!!node.data.pinned} onChange={(e) => updateNodeData(nodeId, { pinned: e.target.checked })} /> Pin output (reuse the last result instead of calling again)
        </label>
      )}
      <h3>Parameters</h3>
      {Object.keys(params).length === 0 && <div className="muted small">No parameters.</div>}
      {Object.entries(params).map(([key, schema]) => {
        if (key === source?.assetParam || key === prompts?.boxParam) return null;
        const bound = inputFor(key);
        return (
          <div key={key} className="param">
            {key === crop?.x && (
              <button type="button" className="wide-action" onClick={() => openWorkspace({ kind: 'crop', nodeId })}>
                <Crop size={14} aria-hidden /> Crop on image…
              </button>
            )}
            {key === prompts?.pointsParam ? (
              <div className={`field${fieldError(key) ? ' field-error' : ''}`} data-field={key} data-widget="points">
                <label>Object prompt</label>
                <div className="prompt-summary">
                  <span data-prompt-summary>
                    {pointCount} point{pointCount === 1 ? '' : 's'}
                    {hasBox ? ', 1 box' : ''}
                  </span>
                  <button type="button" onClick={() => openWorkspace({ kind: 'segment', nodeId })}>
                    <MousePointerClick size={14} aria-hidden /> Select object…
                  </button>
                </div>
                {fieldError(key) && <div className="field-error-text" role="alert">{fieldError(key)}</div>}
              </div>
            ) : key === source?.uploadParam ? (
              <ImageSourceField nodeId={nodeId} source={source} error={[fieldError(key), source.assetParam && fieldError(source.assetParam)].filter(Boolean).join('; ') || undefined} />
            ) : (
              <ParamField name={key} schema={schema} value={node.data.params[key]} required={required.has(key)} error={fieldError(key)} onChange={(v) => updateParam(nodeId, key, v)} />
            )}
            <div className="flow-io">
              {bound ? (
                <>
                  <span className="flow-port-badge">flow input “{bound}”</span>
                  <button type="button" className="link" onClick={() => askName('Rename flow input', bound, (name) => setFlowInput(name, { node: nodeId, param: key }, bound))}>rename</button>
                  <button type="button" className="link" onClick={() => setFlowInput(bound, null)}>unmark</button>
                </>
              ) : (
                <button type="button" className="link" aria-label={`Mark ${key} as flow input`} onClick={() => askName('Name this flow input', key in meta.inputs ? `${nodeId}-${key}` : key, (name) => setFlowInput(name, { node: nodeId, param: key }))}>
                  <ArrowRight size={11} aria-hidden /> mark as flow input
                </button>
              )}
            </div>
          </div>
        );
      })}
      {spec && Object.keys(spec.outputs).length > 0 && <h3>Outputs</h3>}
      {spec &&
        Object.entries(spec.outputs).map(([port, p]) => {
          const bound = outputFor(port);
          const value = state.outputs?.[port];
          return (
            <div key={port} className="out-row">
              <span>
                {port} <span className={`type-chip port-type-${p.type}`}>{p.type}</span>
              </span>
              {bound ? (
                <span>
                  <span className="flow-port-badge">flow output “{bound}”</span>
                  <button type="button" className="link" onClick={() => setFlowOutput(bound, null)}>unmark</button>
                </span>
              ) : (
                <button type="button" className="link" aria-label={`Mark ${port} as flow output`} onClick={() => askName('Name this flow output', port in meta.outputs ? `${nodeId}-${port}` : port, (name) => setFlowOutput(name, { node: nodeId, port }))}>
                  <ArrowRight size={11} aria-hidden /> mark as flow output
                </button>
              )}
              {isArtifact(value) && value.mediaType.startsWith('image/') && (
                <button type="button" className="thumb" aria-label={`Open ${port} image`} onClick={() => openDialog({ kind: 'image', url: artifactUrl(value), title: `${node.id} · ${port}` })}>
                  <img src={artifactUrl(value, true)} alt={`${port} output`} />
                </button>
              )}
              {value !== undefined && !isArtifact(value) && <pre className="readonly-json">{typeof value === 'string' ? value : JSON.stringify(value, null, 1)}</pre>}
            </div>
          );
        })}
      {otherIssues.length > 0 && (
        <ul className="anode-issues" role="alert">
          {otherIssues.map((i, n) => (
            <li key={n}>
              {i.field && <b>{i.field}: </b>}
              {issueText(i)}
            </li>
          ))}
        </ul>
      )}
      {state.status !== 'idle' && (
        <>
          <h3>Last run</h3>
          <div className="small" data-inspector-status={state.status}>
            {state.status}
            {state.durationMs !== undefined && ` · ${formatDuration(state.durationMs)}`}
            {state.backend && ` · backend ${state.backend}`}
          </div>
          {state.error && <div className="anode-error">{state.error}</div>}
        </>
      )}
    </div>
  );
}

function FlowInspector() {
  const meta = useEditor((s) => s.meta);
  const flowIssues = useEditor((s) => s.flowIssues);
  return (
    <div className="inspector" aria-label="Flow properties">
      <h2>Flow</h2>
      <div className="field">
        <label htmlFor="flow-name-inspector">Name</label>
        <input id="flow-name-inspector" type="text" value={meta.name} onChange={(e) => setFlowName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="flow-description">Description</label>
        <textarea id="flow-description" rows={3} value={meta.description ?? ''} onChange={(e) => setFlowDescription(e.target.value)} />
      </div>
      <h3>Flow inputs</h3>
      {Object.keys(meta.inputs).length === 0 && <div className="muted small">None. Select a node and mark a parameter as a flow input.</div>}
      {Object.entries(meta.inputs).map(([name, b]) => (
        <div key={name} className="out-row">
          <code>{name}</code> → {b.node}.{'param' in b ? b.param : b.port}
          <button type="button" className="link" onClick={() => setFlowInput(name, null)}>unmark</button>
          <SweepButton input={name} />
        </div>
      ))}
      <h3>Flow outputs</h3>
      {Object.keys(meta.outputs).length === 0 && <div className="muted small">None. Select a node and mark an output port.</div>}
      {Object.entries(meta.outputs).map(([name, b]) => (
        <div key={name} className="out-row">
          <code>{name}</code> ← {b.node}.{b.port}
          <button type="button" className="link" onClick={() => setFlowOutput(name, null)}>unmark</button>
        </div>
      ))}
      <p>
        <button type="button" onClick={() => openDialog({ kind: 'headless' })}>
          Headless commands (curl / CLI)…
        </button>
      </p>
      {flowIssues.length > 0 && (
        <ul className="anode-issues" role="alert">
          {flowIssues.map((i, n) => (
            <li key={n}>
              {i.nodeId && <b>{i.nodeId}: </b>}
              {i.field && <b>{i.field}: </b>}
              {issueText(i)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Inspector() {
  const selection = useEditor((s) => s.selection);
  if (selection.length === 1) return <NodeInspector nodeId={selection[0]} />;
  if (selection.length > 1)
    return (
      <div className="inspector">
        <h2>{selection.length} nodes selected</h2>
        <p className="muted small">Ctrl+C copy · Ctrl+D duplicate · Delete removes them.</p>
      </div>
    );
  return <FlowInspector />;
}
