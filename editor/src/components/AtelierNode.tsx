// The one node component: every catalog type is drawn by it, from its catalog entry.
import { SubflowProgress } from '../flows-features/SubflowProgress';
import { NodeCost } from '../flows-features/NodeCost';
import { KeyRound, ArrowRight, ArrowRightFromLine, ArrowRightToLine, Download, Pin } from 'lucide-react';
import { Handle, Position, useStore as useFlowStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { memo, useLayoutEffect, useRef } from 'react';
import { artifactUrl, withToken } from '../api/client';
import { imageSourceCapability } from '../workspace/capabilities';
import { isArtifact, type Artifact } from '../../../model/artifact';
import type { CatalogNode, PortSpec } from '../api/types';
import type { GraphNode } from '../graph/types';
import { IDLE, isLive } from '../store/run-state';
import { run } from '../store/runs';
import { openDialog, useEditor } from '../store/store';
import { issueText } from '../graph/issue-text';
import { summariseParams } from './param-summary';
import { NodeWorkspaceActions } from '../workspace/NodeWorkspaceActions';

/** Below this zoom, text is unreadable: nodes drop labels, params and outputs (and draw much faster). */
const DETAIL_ZOOM = 0.4;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

function Port({ name, spec, side, flowName, compact }: { name: string; spec: PortSpec; side: 'in' | 'out'; flowName?: string; compact: boolean }) {
  const label = spec.title ?? name;
  return (
    <div className={`port port-${side}`} data-port={name} data-port-type={spec.type}>
      <Handle
        id={name}
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        className={`handle port-type-${spec.type}`}
        title={`${label}: ${spec.type}${spec.optional ? ' (optional)' : ''}`}
      />
      {!compact && <span className="port-label">
        {label}
        {spec.optional && <span className="muted">?</span>}
        <span className={`type-chip port-type-${spec.type}`}>{spec.type}</span>
        {flowName && <span className="flow-port-badge" title={`flow output “${flowName}”`}><ArrowRight size={9} aria-hidden /> {flowName}</span>}
      </span>}
    </div>
  );
}

function OutputValue({ port, value, title }: { port: string; value: unknown; title: string }) {
  if (isArtifact(value)) return <ArtifactView port={port} artifact={value} title={title} />;
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <div className="out-text" data-output-port={port} title={text.length > 300 ? text.slice(0, 300) + '…' : text}>
      <span className="muted">{port}:</span> {text.length > 120 ? text.slice(0, 120) + '…' : text}
    </div>
  );
}

function ArtifactView({ port, artifact, title }: { port: string; artifact: Artifact; title: string }) {
  if (!artifact.mediaType.startsWith('image/')) {
    return (
      <a className="out-file nodrag" data-output-port={port} href={artifactUrl(artifact)} target="_blank" rel="noreferrer">
        {port}: {artifact.mediaType} <Download size={11} aria-hidden />
      </a>
    );
  }
  return (
    <button
      type="button"
      className="thumb nodrag"
      data-output-port={port}
      aria-label={`Open ${port} image of ${title}`}
      onClick={() => openDialog({ kind: 'image', url: artifactUrl(artifact), title: `${title} · ${port}${artifact.width ? ` · ${artifact.width}×${artifact.height}` : ''}` })}
    >
      <img src={artifactUrl(artifact, true)} alt={`${port} output`} loading="lazy" decoding="async" draggable={false} />
    </button>
  );
}

function AtelierNodeView({ id, data, selected }: NodeProps<GraphNode>) {
  const spec: CatalogNode | undefined = useEditor((s) => s.catalog?.byType.get(data.atype));
  const state = useEditor((s) => s.run?.nodes[id] ?? IDLE);
  const runLive = useEditor((s) => !!s.run && isLive(s.run.status));
  const issues = useEditor((s) => s.issues[id]);
  const missingKey = useEditor((s) => s.missingKeys[data.atype]);
  const flowOutputs = useEditor((s) => {
    let names = '';
    for (const [name, b] of Object.entries(s.meta.outputs)) if (b.node === id) names += `${b.port}\u0000${name}\u0001`;
    return names;
  });
  const outputNames = new Map(flowOutputs.split('\u0001').filter(Boolean).map((pair) => pair.split('\u0000') as [string, string]));
  const compact = useFlowStore(zoomedOut);
  const title = data.label || spec?.title || data.atype;
  const status = state.status;
  const summary = spec && !compact ? summariseParams(spec.params, data.params) : [];
  const uploadParam = spec ? imageSourceCapability(spec)?.uploadParam : undefined;
  const sourceHash = uploadParam && typeof data.params[uploadParam] === 'string' ? (data.params[uploadParam]) : undefined;
  const root = useRef<HTMLDivElement>(null);
  // The node element (React Flow's wrapper, `.react-flow__node[data-id]`) carries the state
  // for tests and assistive tech: data-node-id, data-node-type, data-status, data-invalid.
  useLayoutEffect(() => {
    const wrapper = root.current?.parentElement;
    if (!wrapper) return;
    wrapper.setAttribute('data-node-id', id);
    wrapper.setAttribute('data-node-type', data.atype);
    wrapper.setAttribute('data-status', status);
    if (issues) wrapper.setAttribute('data-invalid', 'true');
    else wrapper.removeAttribute('data-invalid');
  }, [id, data.atype, status, issues]);

  return (
    <div
      ref={root}
      className={`anode status-${status}${compact ? ' compact' : ''}${selected ? ' is-selected' : ''}${issues ? ' has-issues' : ''}${spec ? '' : ' unknown-type'}`}
      aria-label={`${title} node, ${status}`}
    >
      <div className={`anode-header cat-${spec?.category ?? 'unknown'}`}>
        <span className="anode-title" title={spec?.description}>
          {title}
        </span>
        {missingKey && (
          <span className="badge badge-key" data-badge="missing-key" title={`Needs a key: ${missingKey} (see the Keys tab)`}>
            <KeyRound size={12} aria-label="needs a key" />
          </span>
        )}
        {data.pinned && <span className="badge" title="Pinned: reuses its last output" data-badge="pinned"><Pin size={12} aria-label="pinned" /></span>}
        {status === 'cached' && <span className="badge badge-cached" data-badge="cached">cached</span>}
        <span className="status-dot" title={status} />
        <span className="anode-actions">
          <button type="button" className="icon nodrag" aria-label="To here" title="Run up to here (this node and what it needs)" disabled={runLive} onClick={() => void run({ to: id })}>
            <ArrowRightToLine size={14} aria-hidden />
          </button>
          <button type="button" className="icon nodrag" aria-label="From here" title="Run from here (reuse cached results upstream)" disabled={runLive} onClick={() => void run({ from: id })}>
            <ArrowRightFromLine size={14} aria-hidden />
          </button>
        </span>
      </div>
      {!spec && <div className="anode-error">Unknown node type “{data.atype}”</div>}
      <div className="ports">
        <div className="ports-col">
          {spec && Object.entries(spec.inputs).map(([name, p]) => <Port key={name} name={name} spec={p} side="in" compact={compact} />)}
        </div>
        <div className="ports-col ports-out">
          {spec && Object.entries(spec.outputs).map(([name, p]) => <Port key={name} name={name} spec={p} side="out" flowName={outputNames.get(name)} compact={compact} />)}
        </div>
      </div>
      {summary.length > 0 && (
        <div className="param-summary">
          {summary.map(([key, text]) => (
            <div key={key} className="param-line">
              <span className="muted">{key}</span> {text}
            </div>
          ))}
        </div>
      )}
      {status === 'running' && !compact && (
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((state.fraction ?? 0) * 100)}>
          <div className="progress-bar" style={{ width: `${Math.round((state.fraction ?? 0) * 100)}%` }} />
          {state.message && <div className="progress-message">{state.message}</div>}
          {state.preview && (
            <img className="preview" src={artifactUrl(state.preview, false)} alt="preview" draggable={false} />
          )}
        </div>
      )}
      {status === 'failed' && state.error && (
        <div className="anode-error" role="alert" data-error>
          {state.error}
        </div>
      )}
      {status === 'skipped' && state.reason && <div className="muted small">skipped: {state.reason}</div>}
      {issues && (
        <ul className="anode-issues" role="alert">
          {issues.map((issue, i) => (
            <li key={i} data-field={issue.field}>
              {issue.field && <b>{issue.field}: </b>}
              {issueText(issue)}
            </li>
          ))}
        </ul>
      )}
      {!compact && sourceHash && !(state.outputs && (status === 'succeeded' || status === 'cached')) && (
        <div className="outputs">
          <img className="source-thumb" src={withToken(`/api/artifacts/${sourceHash}/thumbnail`)} alt="Image to load" draggable={false} />
        </div>
      )}
      <NodeWorkspaceActions nodeId={id} spec={spec} state={state} />
      <SubflowProgress id={id} atype={data.atype} />
      <NodeCost id={id} />
      {!compact && (status === 'succeeded' || status === 'cached') && state.outputs && (
        <div className="outputs">
          {Object.entries(state.outputs).map(([port, value]) => (
            <OutputValue key={port} port={port} value={value} title={title} />
          ))}
        </div>
      )}
      {(status === 'succeeded' || status === 'cached' || status === 'failed') && state.durationMs !== undefined && (
        <div className="anode-footer muted small">
          {formatDuration(state.durationMs)}
          {state.backend && ` · ${state.backend}`}
        </div>
      )}
    </div>
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const AtelierNode = memo(AtelierNodeView);
