import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, loadPrices, RunCost } from './cost';

const prices = loadPrices({});

describe('costOf', () => {
  it('prices tokens when the API reported them, else the per-image list price by quality and size', () => {
    expect(costOf({ provider: 'openai', model: 'gpt-image-1', images: 1, inputTextTokens: 100, inputImageTokens: 0, outputTokens: 4160 }, prices)).toBeCloseTo((100 * 5 + 4160 * 40) / 1e6, 10);
    expect(costOf({ provider: 'openai', model: 'gpt-image-1', images: 2, quality: 'high', size: '1024x1536' }, prices)).toBe(0.5);
    expect(costOf({ provider: 'google', model: 'imagen-4.0-generate-001', images: 3 }, prices)).toBeCloseTo(0.12, 10);
  });

  it('answers null rather than guessing', () => {
    expect(costOf({ provider: 'openai', model: 'gpt-image-9', images: 1 }, prices)).toBeNull();
    expect(costOf({ provider: 'openai', model: 'gpt-image-1', images: 1, quality: 'auto', size: 'auto' }, prices)).toBeNull();
    expect(costOf({ provider: 'google', model: 'gemini-2.5-flash-image', images: 1 }, prices)).toBeNull(); // input tokens unreported
    expect(costOf({ provider: 'huggingface', model: 'black-forest-labs/FLUX.1-schnell', images: 1 }, prices)).toBeNull();
  });

  it('says when and where its prices come from, and ATELIER_PRICES replaces the table', () => {
    expect(prices.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(prices.sources.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(file, JSON.stringify({ asOf: '2026-11-30', sources: ['contract'], models: { 'huggingface:m': { perImage: 0.5 } } }));
      expect(costOf({ provider: 'huggingface', model: 'm', images: 2 }, loadPrices({ ATELIER_PRICES: file }))).toBe(1);
      writeFileSync(file, '{"models": {}}');
      expect(() => loadPrices({ ATELIER_PRICES: file })).toThrow(/asOf/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RunCost', () => {
  it('a cached node costs 0, an unknown model makes the run total null', () => {
    const cost = new RunCost(prices);
    const usage = { provider: 'google', model: 'imagen-4.0-generate-001', images: 1 };
    const fresh = cost.apply({ type: 'node.finished', nodeId: 'a', cached: false, durationMs: 1, outputs: {}, meta: { usage } });
    const cached = cost.apply({ type: 'node.finished', nodeId: 'b', cached: true, durationMs: 0, outputs: {}, meta: { usage } });
    expect(fresh).toMatchObject({ meta: { costUsd: 0.04 } });
    expect(cached).toMatchObject({ cached: true, meta: { costUsd: 0 } });
    expect(cost.apply({ type: 'run.finished', status: 'succeeded', outputs: {} })).toMatchObject({ costUsd: 0.04 });
    cost.apply({ type: 'node.finished', nodeId: 'c', cached: false, durationMs: 1, outputs: {}, meta: { usage: { ...usage, model: 'x' } } });
    expect(cost.apply({ type: 'run.finished', status: 'succeeded', outputs: {} })).toMatchObject({ costUsd: null });
  });
});
