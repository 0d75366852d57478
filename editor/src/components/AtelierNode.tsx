// The one node component: every catalog type is drawn by it, from its catalog entry; the parts
// live in ./node/ (header, ports, run state, issues, outputs, footer badges).
import { useStore as useFlowStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { memo, useRef } from 'react';
import { withToken } from '../api/client';
import type { CatalogNode } from '../api/types';
import type { GraphNode } from '../graph/types';
import { IDLE } from '../store/run-state';
import { useEditor } from '../store/store';
import { imageSourceCapability } from '../workspace/capabilities';
import { NodeWorkspaceActions } from '../workspace/NodeWorkspaceActions';
import { NodeBadges, NodeTiming } from './node/NodeFooter';
import { NodeHeader } from './node/NodeHeader';
import { NodeIssues } from './node/NodeIssues';
import { NodeOutputs } from './node/NodeOutputs';
import { NodePorts } from './node/NodePorts';
import { NodeRunState } from './node/NodeRunState';
import { useNodeAttributes } from './node/use-node-attributes';
import { summariseParams } from './param-summary';

export { formatDuration } from './node/format-duration';

/** Below this zoom, text is unreadable: nodes drop labels, params and outputs (and draw much faster). */
const DETAIL_ZOOM = 0.4;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

function AtelierNodeView({ id, data, selected }: NodeProps<GraphNode>) {
  const spec: CatalogNode | undefined = useEditor((s) => s.catalog?.byType.get(data.atype));
  const state = useEditor((s) => s.run?.nodes[id] ?? IDLE);
  const issues = useEditor((s) => s.issues[id]);
  const compact = useFlowStore(zoomedOut);
  const root = useRef<HTMLDivElement>(null);
  const { status } = state;
  useNodeAttributes(root, id, data.atype, status, !!issues);

  const title = data.label || spec?.title || data.atype;
  const summary = spec && !compact ? summariseParams(spec.params, data.params) : [];
  const uploadParam = spec ? imageSourceCapability(spec)?.uploadParam : undefined;
  const sourceHash = uploadParam && typeof data.params[uploadParam] === 'string' ? data.params[uploadParam] : undefined;
  const done = status === 'succeeded' || status === 'cached';

  return (
    <div
      ref={root}
      className={`anode status-${status}${compact ? ' compact' : ''}${selected ? ' is-selected' : ''}${issues ? ' has-issues' : ''}${spec ? '' : ' unknown-type'}`}
      aria-label={`${title} node, ${status}`}
    >
      <NodeHeader id={id} atype={data.atype} spec={spec} title={title} status={status} pinned={data.pinned} />
      {spec ? <NodePorts id={id} spec={spec} compact={compact} /> : <div className="anode-error">Unknown node type “{data.atype}”</div>}
      {summary.length > 0 && (
        <div className="param-summary">
          {summary.map(([key, text]) => (
            <div key={key} className="param-line">
              <span className="muted">{key}</span> {text}
            </div>
          ))}
        </div>
      )}
      <NodeRunState state={state} compact={compact} />
      {issues && <NodeIssues issues={issues} />}
      {!compact && sourceHash && !(state.outputs && done) && (
        <div className="outputs">
          <img className="source-thumb" src={withToken(`/api/artifacts/${sourceHash}/thumbnail`)} alt="Image to load" draggable={false} />
        </div>
      )}
      <NodeWorkspaceActions nodeId={id} spec={spec} state={state} />
      <NodeBadges id={id} atype={data.atype} />
      {!compact && done && state.outputs && <NodeOutputs outputs={state.outputs} title={title} />}
      <NodeTiming state={state} />
    </div>
  );
}

export const AtelierNode = memo(AtelierNodeView);
