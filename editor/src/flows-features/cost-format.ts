// How a cost reads in the editor. costUsd: a number (USD billed), null (a model without a list
// price: unknown, never a guess) or undefined (nothing was billed: no label at all).

/** "$0.04", "$0.0012", "<$0.0001", "$0". */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  return `$${Number(usd.toFixed(usd < 0.01 ? 4 : usd < 1 ? 3 : 2))}`;
}

/** A node's badge text: "$0.04", "$0 · cached", "cost unknown"; undefined when it billed nothing. */
export function nodeCostLabel(costUsd: number | null | undefined, cached: boolean): string | undefined {
  if (costUsd === undefined) return undefined;
  if (costUsd === null) return 'cost unknown';
  if (cached && costUsd === 0) return '$0 · cached';
  return formatUsd(costUsd);
}

/** A run's or a batch's total: "$0.12" or "cost unknown"; undefined when nothing was billed. */
export function totalCostLabel(costUsd: number | null | undefined): string | undefined {
  if (costUsd === undefined) return undefined;
  return costUsd === null ? 'cost unknown' : formatUsd(costUsd);
}

/** The cost a node event or record carries in its meta (see runtime/cost.ts). */
export function costFromMeta(meta: Record<string, unknown> | undefined): { costUsd?: number | null } {
  if (!meta || !('costUsd' in meta)) return {};
  const cost = meta.costUsd;
  return typeof cost === 'number' || cost === null ? { costUsd: cost } : {};
}
