// Run cost: provider nodes report meta.usage (nodes/providers/usage.ts); the price table turns it into
// costUsd per node and per run. A model without a price costs null — unknown, never a guess. A cached
// node costs 0 (nothing was billed this time).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RunEventBody } from '../model/events';

const PerMillion = z.number().min(0);
const ModelPriceSchema = z.object({
  perImage: z.union([z.number().min(0), z.record(z.string(), z.record(z.string(), z.number().min(0)))]).optional(),
  tokens: z.object({ inputText: PerMillion.optional(), inputImage: PerMillion.optional(), output: PerMillion.optional() }).optional(),
});
export const PriceTableSchema = z.object({
  about: z.string().optional(),
  asOf: z.string().min(1),
  sources: z.array(z.string()).min(1),
  models: z.record(z.string(), ModelPriceSchema),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

export interface Usage {
  provider: string;
  model: string;
  images: number;
  size?: string;
  quality?: string;
  inputTokens?: number;
  inputTextTokens?: number;
  inputImageTokens?: number;
  outputTokens?: number;
}

const SHIPPED = new URL('../prices.json', import.meta.url);

/** The shipped prices.json, or the file ATELIER_PRICES names; a broken file fails loudly. */
export function loadPrices(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const path = env.ATELIER_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path ?? SHIPPED, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the price table ${path ? `ATELIER_PRICES=${path}` : 'prices.json'}: ${(error as Error).message}`, { cause: error });
  }
  // Parsed once per process: zod's eval-compiled fast path would cost more to generate than it saves.
  const parsed = PriceTableSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    throw new Error(`the price table ${path ?? 'prices.json'} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** USD for one provider call, or null when the table cannot price it exactly. */
export function costOf(usage: Usage, prices: PriceTable): number | null {
  const price = prices.models[`${usage.provider}:${usage.model}`];
  if (!price) return null;
  const t = price.tokens;
  const hasInputSplit = usage.inputTextTokens !== undefined && (usage.inputImageTokens !== undefined || usage.inputTokens === usage.inputTextTokens);
  // Token billing is exact when the API reported every kind of token the table prices.
  if (t?.output !== undefined && usage.outputTokens !== undefined && hasInputSplit && t.inputText !== undefined) {
    const imageIn = usage.inputImageTokens ?? 0;
    if (imageIn > 0 && t.inputImage === undefined) return null;
    return round((usage.inputTextTokens! * t.inputText + imageIn * (t.inputImage ?? 0) + usage.outputTokens * t.output) / 1e6);
  }
  if (price.perImage === undefined) return null;
  let perImage: number | undefined;
  if (typeof price.perImage === 'number') perImage = price.perImage;
  else if (usage.quality && usage.size) perImage = price.perImage[usage.quality]?.[usage.size];
  if (perImage === undefined) return null;
  let cost = usage.images * perImage;
  if (t?.inputText !== undefined && t.output === undefined) {
    if (usage.inputTokens === undefined) return null;
    cost += (usage.inputTokens * t.inputText) / 1e6;
  }
  return round(cost);
}

function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/**
 * Adds costUsd to a run's events as they are emitted: node.finished meta (0 when cached) and
 * run.finished (the sum; null when any billed node's price is unknown; absent when nothing was billed).
 */
export class RunCost {
  private total = 0;
  private unknown = false;
  private billed = false;

  constructor(private readonly prices: PriceTable) {}

  apply(body: RunEventBody): RunEventBody {
    if (body.type === 'node.finished') {
      const usage = body.meta?.usage as Usage | undefined;
      if (!usage || typeof usage !== 'object') return body;
      const cost = body.cached ? 0 : costOf(usage, this.prices);
      this.billed = true;
      if (cost === null) this.unknown = true;
      else this.total += cost;
      body.meta = { ...body.meta, costUsd: cost };
    } else if (body.type === 'run.finished' && this.billed) {
      body.costUsd = this.unknown ? null : round(this.total);
    }
    return body;
  }
}

/** The CLI's last line: "cost: $0.0420 (2 cached nodes free)" or why it is unknown. */
export function formatCost(record: { costUsd?: number | null; nodes: Record<string, { cached: boolean; meta?: Record<string, unknown> }> }): string {
  const billed = Object.entries(record.nodes).filter(([, n]) => n.meta && 'costUsd' in n.meta);
  if (record.costUsd === undefined || billed.length === 0) return 'cost: $0 (no provider calls)';
  const cached = billed.filter(([, n]) => n.cached).length;
  const note = cached ? ` (${cached} cached node${cached === 1 ? '' : 's'} cost nothing)` : '';
  if (record.costUsd === null) {
    const unpriced = billed.filter(([, n]) => n.meta!.costUsd === null).map(([id, n]) => `${id}: ${(n.meta!.usage as Usage).provider}:${(n.meta!.usage as Usage).model}`);
    return `cost: unknown — no list price for ${unpriced.join(', ')} (see prices.json / ATELIER_PRICES)${note}`;
  }
  return `cost: $${record.costUsd.toFixed(4)}${note}`;
}
