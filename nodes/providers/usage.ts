// What a provider call was billed for, reported in node.finished meta.usage; runtime/cost.ts prices it.
import type { NodeContext } from '../api';

export interface ProviderUsage {
  provider: 'openai' | 'google' | 'huggingface';
  model: string;
  /** Images the provider made (and bills for). */
  images: number;
  /** Billing tier facts as requested, when the provider prices by them. */
  size?: string;
  quality?: string;
  /** Tokens, only as the API reported them. */
  inputTokens?: number;
  inputTextTokens?: number;
  inputImageTokens?: number;
  outputTokens?: number;
  /** Inference provider behind Hugging Face's router (billed by that provider). */
  inferenceProvider?: string;
}

export function reportUsage(ctx: Pick<NodeContext, 'setMeta'>, usage: ProviderUsage): void {
  const clean = Object.fromEntries(Object.entries(usage).filter(([, v]) => v !== undefined));
  ctx.setMeta({ usage: clean });
}

/** A token count from an API answer: a non-negative integer or nothing. */
export function tokens(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
