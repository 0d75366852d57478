// The bottom of a node: badges other features add (subflow progress, cost) and, once it has run,
// how long it took and which backend served it. New per-node badges mount here, in `NodeBadges`.
import { NodeCost } from '../../flows-features/NodeCost';
import { SubflowProgress } from '../../flows-features/SubflowProgress';
import type { NodeRunState } from '../../store/run-state';
import { formatDuration } from './format-duration';

/** Extra badges from feature folders; each renders nothing when it has nothing to say. */
export function NodeBadges({ id, atype }: { id: string; atype: string }) {
  return (
    <>
      <SubflowProgress id={id} atype={atype} />
      <NodeCost id={id} />
    </>
  );
}

export function NodeTiming({ state }: { state: NodeRunState }) {
  const { status } = state;
  if (!(status === 'succeeded' || status === 'cached' || status === 'failed') || state.durationMs === undefined) return null;
  return (
    <div className="anode-footer muted small">
      {formatDuration(state.durationMs)}
      {state.backend && ` · ${state.backend}`}
    </div>
  );
}
