// Port-bound flow inputs: an image passed by artifact hash through the API, and by file through the CLI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';
import { atelierCli, client, resizeFlow } from './helpers';

let server: TestServer;
let http: ReturnType<typeof client>;
beforeAll(async () => {
  server = await startTestServer();
  http = client(server.url);
});
afterAll(() => server.close());

describe('port-bound flow inputs over HTTP', () => {
  it('feeds an uploaded image into the bound port by hash or artifact object', async () => {
    const photo = await http.upload(readFileSync('flows/assets/chelsea.png'));
    expect(photo.status).toBe(201);
    const run = await (await http.postJson('/api/runs?wait=1', { flow: resizeFlow(), inputs: { photo: photo.body.artifact, width: 40 } })).json();
    expect(run.status).toBe('succeeded');
    expect(run.outputs.small).toMatchObject({ mediaType: 'image/png', width: 40 });
    const again = await (await http.postJson('/api/runs?wait=1', { flow: resizeFlow(), inputs: { photo: photo.body, width: 40 } })).json();
    expect(again.outputs.small.artifact).toBe(run.outputs.small.artifact);
    expect(again.nodes.resize.cached).toBe(true);
  });

  it('names a missing, a mistyped and an unknown input, and runs nothing', async () => {
    const missing = await http.postJson('/api/runs', { flow: resizeFlow() });
    expect(missing.status).toBe(400);
    const body = await missing.json();
    expect(body.error.details.issues).toEqual([expect.objectContaining({ field: 'inputs.photo', code: 'missing_input', nodeId: 'resize' })]);
    expect(body.error.message).toContain('flow input "photo" (image) is required');

    const wrong = await (await http.postJson('/api/runs', { flow: resizeFlow(), inputs: { photo: 'a cat', nope: 1 } })).json();
    const issues = wrong.error.details.issues;
    expect(issues).toContainEqual(expect.objectContaining({ field: 'inputs.photo', code: 'type_mismatch' }));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'inputs.nope', code: 'unknown_input' }));

    const absent = await (await http.postJson('/api/runs', { flow: resizeFlow(), inputs: { photo: 'f'.repeat(64) } })).json();
    expect(absent.error.details.issues[0].message).toContain(`artifact ${'f'.repeat(64)} is not in the store`);
  });

  it('rejects a binding to a port that an edge already feeds', async () => {
    const flow = resizeFlow();
    flow.nodes.push({ id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'chelsea.png' } });
    flow.edges.push({ id: 'e1', source: 'load', sourceHandle: 'image', target: 'resize', targetHandle: 'image' });
    const res = await (await http.postJson('/api/runs', { flow })).json();
    expect(res.error.details.issues).toContainEqual(expect.objectContaining({ field: 'inputs.photo', code: 'bad_binding' }));
  });
});

describe('port-bound flow inputs on the CLI', () => {
  it('uploads --input photo=@file and writes the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-port-cli-'));
    try {
      const flowFile = join(dir, 'resize.json');
      writeFileSync(flowFile, JSON.stringify(resizeFlow()));
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ATELIER_DATA: join(dir, 'data'), ATELIER_FLOWS: 'flows' };
      const out = join(dir, 'out');
      const result = await atelierCli(['run', flowFile, '--input', 'photo=@flows/assets/chelsea.png', '--input', 'width=32', '--out', out], env);
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect((await sharp(join(out, 'small.png')).metadata()).width).toBe(32);
      const missing = await atelierCli(['run', flowFile, '--out', out], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('flow input "photo" (image) is required');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
