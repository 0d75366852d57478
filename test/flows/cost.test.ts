// Run cost end to end: provider nodes report usage to the real SDKs' fakes; the run record sums it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { startProviderFakes, type ProviderFakes } from '../providers/harness';
import { client } from './helpers';

let fakes: ProviderFakes;
let server: TestServer;
let http: ReturnType<typeof client>;

beforeAll(async () => {
  fakes = await startProviderFakes();
  server = await startTestServer({ env: fakes.env });
  http = client(server.url);
});
afterAll(async () => {
  await server?.close();
  await fakes?.close();
});

const mixed = (extra: Array<[string, string, Record<string, unknown>?]> = []) =>
  buildFlow(
    [
      ['p', 'text.prompt', { text: 'a lantern' }],
      ['oa', 'openai.image', { model: 'gpt-image-1', quality: 'low', size: '1024x1024', partialImages: 0 }],
      ['im', 'google.imagen', { model: 'imagen-4.0-generate-001', seed: 5 }],
      ['ge', 'google.gemini', { model: 'gemini-2.5-flash-image' }],
      ['small', 'image.resize', { width: 8 }],
      ...extra,
    ],
    ['p.text -> oa.prompt', 'p.text -> im.prompt', 'p.text -> ge.prompt', 'im.image -> small.image', ...extra.map(([id]) => `p.text -> ${id}.prompt`)],
  );

describe('run cost', () => {
  it('sums provider nodes per run; cached nodes cost 0; an unpriced model makes the total unknown', async () => {
    const run = await (await http.postJson('/api/runs?wait=1', { flow: mixed() })).json();
    expect(run.status, JSON.stringify(run.nodes)).toBe('succeeded');
    // The fakes report usage: OpenAI 5 text tokens in, 5 out (tokens × list price); Gemini 5 prompt tokens.
    expect(run.nodes.oa.meta).toMatchObject({ usage: { provider: 'openai', model: 'gpt-image-1', images: 1, inputTextTokens: 5, outputTokens: 5 }, costUsd: (5 * 5 + 5 * 40) / 1e6 });
    expect(run.nodes.im.meta).toMatchObject({ usage: { provider: 'google', images: 1 }, costUsd: 0.04 });
    expect(run.nodes.ge.meta.costUsd).toBeCloseTo(0.039 + (5 * 0.3) / 1e6, 10);
    expect(run.nodes.small.meta?.costUsd).toBeUndefined();
    expect(run.costUsd).toBeCloseTo(0.000225 + 0.04 + 0.0390015, 10);

    const events = (await (await http.api(`/api/runs/${run.id}/events`)).text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', costUsd: run.costUsd });

    const again = await (await http.postJson('/api/runs?wait=1', { flow: mixed() })).json();
    expect(again.nodes.im).toMatchObject({ cached: true, meta: { costUsd: 0 } });
    expect(again.nodes.oa.cached).toBe(false); // no seed: OpenAI runs (and bills) again
    expect(again.costUsd).toBeCloseTo(0.000225 + 0.0390015, 10);

    const unknown = await (await http.postJson('/api/runs?wait=1', { flow: mixed([['hf', 'hf.text-to-image']]) })).json();
    expect(unknown.nodes.hf.meta).toMatchObject({ usage: { provider: 'huggingface' }, costUsd: null });
    expect(unknown.costUsd).toBeNull();
  });

  it('a run without provider nodes carries no cost', async () => {
    const run = await (await http.postJson('/api/runs?wait=1', { flowId: 'local-image-pipeline' })).json();
    expect(run.status).toBe('succeeded');
    expect(run).not.toHaveProperty('costUsd');
  });
});
