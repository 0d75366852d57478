// Sweeps over HTTP and the CLI against the Hugging Face fake: a 2-axis product whose runs execute
// concurrently, where the seed-pinned provider node runs once per seed (the other axis shares it
// through single-flight or the cache).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../model/events';
import type { Flow } from '../../model/flow';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { startProviderFakes, type ProviderFakes } from '../providers/harness';
import { atelierCli, client } from './helpers';
import { readITXt } from './png-chunks';

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
beforeEach(() => {
  fakes.hf.requests.length = 0;
});

function seededFlow(): Flow {
  return buildFlow(
    [['p', 'text.prompt', { text: 'a lighthouse' }], ['gen', 'hf.text-to-image', { seed: 0 }], ['small', 'image.resize', { width: 16 }]],
    ['p.text -> gen.prompt', 'gen.image -> small.image'],
    {
      name: 'Seeded',
      inputs: { prompt: { node: 'p', param: 'text' }, seed: { node: 'gen', param: 'seed' }, width: { node: 'small', param: 'width' } },
      outputs: { image: { node: 'small', port: 'image' } },
    },
  );
}

describe('POST /api/batches', () => {
  it('runs every combination concurrently; the seed-pinned provider runs once per seed, shared upstream once', async () => {
    // Every event of every run, in the order the runs emit them (in process: no clock involved).
    const seen: RunEvent[] = [];
    const stopHearing = server.atelier.runs.onRunQueued((queued) => server.atelier.runs.subscribe(queued.runId, 0, (event) => seen.push(event)));
    const started = await http.postJson('/api/batches', { flow: seededFlow(), inputs: { prompt: 'a harbour' }, sweep: { seed: [11, 12], width: [20, 30] } });
    expect(started.status).toBe(202);
    const { batchId, runIds } = await started.json();
    expect(runIds).toHaveLength(4);

    const batch = await (await http.api(`/api/batches/${batchId}?wait=1`)).json();
    expect(batch).toMatchObject({ id: batchId, status: 'succeeded', mode: 'product', axes: [{ name: 'seed', values: [11, 12] }, { name: 'width', values: [20, 30] }] });
    expect(batch.runs.map((r: { sweep: unknown }) => r.sweep)).toEqual([{ seed: 11, width: 20 }, { seed: 11, width: 30 }, { seed: 12, width: 20 }, { seed: 12, width: 30 }]);
    expect(batch.runs[3].inputs).toEqual({ prompt: 'a harbour', seed: 12, width: 30 });
    expect(batch.runs.map((r: { outputs: { image: { width: number } } }) => r.outputs.image.width)).toEqual([20, 30, 20, 30]);

    stopHearing();
    const calls = fakes.hf.inferenceRequests();
    expect(calls.map((r) => JSON.parse(r.body.toString()).parameters.seed).sort()).toEqual([11, 12]);
    const records = await Promise.all(runIds.map(async (id: string) => (await http.api(`/api/runs/${id}`)).json()));
    // Per seed, one run executed the provider; the other got its result (shared in flight or cached).
    for (const pair of [records.slice(0, 2), records.slice(2)]) expect(pair.map((r) => r.nodes.gen.cached).sort()).toEqual([false, true]);
    expect(records.filter((r) => !r.nodes.p.cached)).toHaveLength(1);

    // The runs overlapped: more than one had started before the first finished.
    const firstFinish = seen.findIndex((e) => e.type === 'run.finished');
    const startedBefore = new Set(seen.slice(0, firstFinish).filter((e) => e.type === 'run.started').map((e) => e.runId));
    expect(startedBefore.size).toBeGreaterThan(1);
    expect([...startedBefore].every((id) => runIds.includes(id))).toBe(true);

    const sse = await (await http.api(`/api/batches/${batchId}/events`)).text();
    const events = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(events.filter((e) => e.type === 'run.finished')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: 'batch.finished', batchId, status: 'succeeded', runIds });
  });

  it('zip pairs values; a bad value fails the whole batch up front, naming the run', async () => {
    const zipped = await (await http.postJson('/api/batches?wait=1', { flow: seededFlow(), sweep: { seed: [1, 2], width: [20, 30] }, mode: 'zip' })).json();
    expect(zipped.runs.map((r: { sweep: unknown }) => r.sweep)).toEqual([{ seed: 1, width: 20 }, { seed: 2, width: 30 }]);

    const bad = await http.postJson('/api/batches', { flow: seededFlow(), sweep: { width: [20, -3] } });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.message).toContain('run 2 (width=-3)');
    const uneven = await (await http.postJson('/api/batches', { flow: seededFlow(), sweep: { seed: [1, 2], width: [20] }, mode: 'zip' })).json();
    expect(uneven.error).toMatchObject({ code: 'invalid_sweep' });
    expect(fakes.hf.inferenceRequests()).toHaveLength(2);
  });
});

describe('atelier run --sweep', () => {
  it('writes a folder per run, index.json and a labelled grid.png', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-sweep-cli-'));
    try {
      const flowFile = join(dir, 'seeded.json');
      writeFileSync(flowFile, JSON.stringify(seededFlow()));
      writeFileSync(join(dir, 'prompts.txt'), 'a red boat\n\na blue boat\n');
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ATELIER_DATA: join(dir, 'data'), ATELIER_FLOWS: 'flows', ...fakes.env };
      const out = join(dir, 'out');
      const result = await atelierCli(['run', flowFile, '--sweep', 'seed=1..3', '--sweep', `prompt=@${join(dir, 'prompts.txt')}`, '--out', out], env);
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout.trim().split('\n').at(-1)).toMatch(/succeeded; cost: unknown — a model has no list price/);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
      expect(index.axes).toEqual([{ name: 'seed', values: [1, 2, 3] }, { name: 'prompt', values: ['a red boat', 'a blue boat'] }]);
      expect(index.runs).toHaveLength(6);
      expect(index.runs[1]).toMatchObject({ sweep: { seed: 1, prompt: 'a blue boat' }, status: 'succeeded' });
      const folders = readdirSync(out).filter((f) => !f.includes('.'));
      expect(folders).toHaveLength(6);
      const image = readFileSync(join(out, index.runs[1].dir, 'image.png'));
      expect(readITXt(image, 'atelier.flow')).toMatchObject({ inputs: { seed: 1, prompt: 'a blue boat' } });
      const grid = await sharp(join(out, 'grid.png')).metadata();
      expect(grid.width).toBeGreaterThan(2 * 128);
      expect(grid.height).toBeGreaterThan(3 * 128);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
