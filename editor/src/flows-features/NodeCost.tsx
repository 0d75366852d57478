// A node's cost after a run: "$0.04", "$0 · cached" or "cost unknown" (a model without a list
// price: never a guess). Nodes that billed nothing show nothing. A subflow node shows its inner sum.
import { useEditor } from '../store/store';
import { nodeCostLabel } from './cost-format';
import './flows-features.css';

export function NodeCost({ id }: { id: string }) {
  const text = useEditor((s) => {
    const state = s.run?.nodes[id];
    if (!state || (state.status !== 'succeeded' && state.status !== 'cached')) return undefined;
    return nodeCostLabel(state.costUsd, state.status === 'cached');
  });
  if (!text) return null;
  return (
    <div className={`node-cost small${text === 'cost unknown' ? ' unknown' : ''}`} data-node-cost={text} title={text === 'cost unknown' ? 'No list price for this model (see prices.json / ATELIER_PRICES)' : 'What the provider billed for this run'}>
      {text}
    </div>
  );
}
