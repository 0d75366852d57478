// One input or output port: its handle (the link target) and, when zoomed in, name, type and flow-output badge.
import { Handle, Position } from '@xyflow/react';
import { ArrowRight } from 'lucide-react';
import type { PortSpec } from '../../api/types';

export function Port({ name, spec, side, flowName, compact }: { name: string; spec: PortSpec; side: 'in' | 'out'; flowName?: string; compact: boolean }) {
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
