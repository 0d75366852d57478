// Flows in the images they make: gallery files, downloads and CLI outputs carry the iTXt chunk;
// the chunk leads back to the flow, and running it again reproduces the same artifacts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { startProviderFakes, type ProviderFakes } from '../providers/harness';
import { atelierCli, client, shippedFlow } from './helpers';
import { pixels, readITXt } from './png-chunks';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
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

describe('flows embedded in PNGs', () => {
  it('a download with ?download=1&run= carries the flow; the plain URL stays exact; the flow reruns to the same hashes elsewhere', async () => {
    const run = await (await http.postJson('/api/runs?wait=1', { flowId: 'local-image-pipeline', inputs: { width: 120 } })).json();
    expect(run.status).toBe('succeeded');
    const { cutout } = run.outputs;
    const plain = Buffer.from(await (await http.api(cutout.url)).arrayBuffer());
    expect(sha256(plain)).toBe(cutout.artifact);

    const res = await http.api(`${cutout.url}?download=1&run=${run.id}`);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const file = Buffer.from(await res.arrayBuffer());
    expect(pixels(file)).toEqual(pixels(plain));
    const chunk = readITXt(file, 'atelier.flow') as { flow: { name: string }; inputs: unknown; runId: string; node: string; port: string };
    expect(chunk).toMatchObject({ inputs: { width: 120 }, runId: run.id });
    expect(chunk.flow).toEqual(shippedFlow('local-image-pipeline'));
    expect(run.nodes[chunk.node].outputs[chunk.port].artifact).toBe(cutout.artifact);

    const other = await (await http.api(`${cutout.url}?download=1&run=20260101-000000-00000000`)).json();
    expect(other.error.code).toBe('not_found');

    const fromImage = await http.upload(file, '/api/flows/from-image');
    expect(fromImage.status).toBe(200);
    expect(fromImage.body).toMatchObject({ inputs: { width: 120 }, runId: run.id, node: chunk.node });

    // A second server with an empty data dir: nothing cached, the flow still makes the same bytes.
    const fresh = await startTestServer();
    try {
      const rerun = await (await client(fresh.url).postJson('/api/runs?wait=1', { flow: fromImage.body.flow, inputs: fromImage.body.inputs })).json();
      expect(Object.values(rerun.nodes).some((n) => (n as { cached: boolean }).cached)).toBe(false);
      expect(rerun.outputs.cutout.artifact).toBe(cutout.artifact);
      expect(rerun.outputs.resized.artifact).toBe(run.outputs.resized.artifact);
    } finally {
      await fresh.close();
    }
  });

  it('a PNG without the chunk is just an image', async () => {
    const plain = await http.upload(readFileSync('flows/assets/chelsea.png'), '/api/flows/from-image');
    expect(plain.status).toBe(422);
    expect(plain.body.error.code).toBe('no_embedded_flow');
  });

  it('gallery files of a provider run carry the flow, run and node; the stored artifact does not', async () => {
    const flow = buildFlow([['p', 'text.prompt', { text: 'a kite' }], ['gen', 'openai.image', { partialImages: 0 }]], ['p.text -> gen.prompt'], {
      outputs: { image: { node: 'gen', port: 'image' } },
    });
    const run = await (await http.postJson('/api/runs?wait=1', { flow })).json();
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const entry = (await (await http.api('/api/gallery')).json()).find((e: { runId?: string }) => e.runId === run.id);
    const file = readFileSync(join(server.dataDir, 'gallery', entry.fileName));
    expect(readITXt(file, 'atelier.flow')).toMatchObject({ flow: { nodes: flow.nodes }, runId: run.id, node: 'gen', port: 'image' });
    expect(pixels(file)).toEqual(pixels(fakes.images.openai));
    expect(run.outputs.image.artifact).toBe(sha256(fakes.images.openai));
  });
});

describe('flows embedded in CLI outputs', () => {
  it('run --out writes PNGs with the flow; run and validate take such a PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-png-cli-'));
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ATELIER_DATA: join(dir, 'data'), ATELIER_FLOWS: 'flows' };
      const first = await atelierCli(['run', 'local-image-pipeline', '--input', 'width=90', '--out', join(dir, 'o1')], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout.trim().split('\n').at(-1)).toBe('cost: $0 (no provider calls)');
      const png = readFileSync(join(dir, 'o1', 'cutout.png'));
      expect(readITXt(png, 'atelier.flow')).toMatchObject({ inputs: { width: '90' }, node: 'out', port: 'value' });

      const validate = await atelierCli(['validate', join(dir, 'o1', 'cutout.png')], env);
      expect(validate.stdout).toContain('valid (6 nodes');
      const again = await atelierCli(['run', join(dir, 'o1', 'cutout.png'), '--out', join(dir, 'o2')], { ...env, ATELIER_DATA: join(dir, 'data2') });
      expect(again.code, again.stderr).toBe(0);
      const runs = ['o1', 'o2'].map((o) => JSON.parse(readFileSync(join(dir, o, 'run.json'), 'utf8')));
      expect(runs[1].outputs.cutout.artifact).toBe(runs[0].outputs.cutout.artifact);
      expect(runs[1].outputs.cutout.width).toBe(90);
      expect(readdirSync(join(dir, 'o2'))).toContain('cutout.png');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
