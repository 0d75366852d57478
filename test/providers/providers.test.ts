// End to end: flows with every provider node through the real server (POST /api/runs?wait=1),
// the real engine and the real SDKs, against wire-level fakes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failWith, hang, json } from '../fakes/http-fake';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { SECRETS, startProviderFakes, type ProviderFakes } from './harness';

let fakes: ProviderFakes;
let server: TestServer;

beforeAll(async () => {
  fakes = await startProviderFakes();
  server = await startTestServer({ env: fakes.env });
});
afterAll(async () => {
  await server?.close();
  await fakes?.close();
});
beforeEach(() => {
  for (const fake of [fakes.openai, fakes.google, fakes.hf]) fake.requests.length = 0;
});

async function api(path: string, init?: { method?: string; body?: unknown }) {
  const response = await fetch(`${server.url}${path}`, {
    method: init?.method ?? (init?.body ? 'POST' : 'GET'),
    headers: init?.body ? { 'content-type': 'application/json' } : undefined,
    body: init?.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function download(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${server.url}${url}`)).arrayBuffer());
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function eventsText(runId: string): Promise<string> {
  return (await fetch(`${server.url}/api/runs/${runId}/events`)).text();
}

function expectNoSecrets(text: string) {
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  expect(text).not.toContain('PRIVATE KEY');
}

describe('provider nodes end to end', () => {
  it('generate-and-iterate: OpenAI then Gemini iteration; outputs are the fakes\' bytes and the gallery shows the lineage', async () => {
    const run = await api('/api/runs?wait=1', {
      body: { flowId: 'generate-and-iterate', inputs: { prompt: 'a blue hat', iteration: 'make it night' } },
    });
    expect(run.status).toBe(200);
    expect(run.json.status).toBe('succeeded');
    const { image, iterated, text } = run.json.outputs;
    expect(image.artifact).toBe(sha256(fakes.images.openai));
    expect(iterated.artifact).toBe(sha256(fakes.images.google));
    expect(await download(image.url)).toEqual(fakes.images.openai);
    expect(await download(iterated.url)).toEqual(fakes.images.google);
    expect(text).toBe('Here is your image.');

    // Gemini got the OpenAI image as inline data.
    const geminiBody = JSON.parse(fakes.google.requests[0].body.toString());
    expect(geminiBody.contents[0].parts[0].inlineData.data).toBe(fakes.images.openai.toString('base64'));

    const gallery = (await api('/api/gallery')).json as Array<Record<string, any>>;
    const iteration = gallery.find((e) => e.artifact.artifact === iterated.artifact && e.runId === run.json.id);
    const original = gallery.find((e) => e.artifact.artifact === image.artifact && e.runId === run.json.id);
    expect(original).toMatchObject({ prompt: 'a blue hat', provider: 'openai', model: 'gpt-image-1.5' });
    expect(original?.parent).toBeUndefined();
    expect(iteration).toMatchObject({ prompt: 'make it night', provider: 'google', model: 'gemini-2.5-flash-image', parent: image.artifact, text: 'Here is your image.' });
    expect(iteration?.fileName).toMatch(/^make-it-night__\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.png$/);

    // The streamed partial image reached the events as a preview artifact, not as bytes.
    const events = await eventsText(run.json.id);
    expect(events).toContain(`/api/artifacts/${sha256(fakes.images.partial)}`);
    expect(events).not.toContain(fakes.images.openai.toString('base64').slice(0, 40));
    expectNoSecrets(events);
    expectNoSecrets((await api(`/api/runs/${run.json.id}`)).text);
  });

  it('compare-providers: OpenAI, Imagen (Vertex project mode with ADC), Gemini and FLUX side by side', async () => {
    const run = await api('/api/runs?wait=1', { body: { flowId: 'compare-providers', inputs: { prompt: 'a lighthouse' } } });
    expect(run.json.status).toBe('succeeded');
    expect(run.json.outputs.openai.artifact).toBe(sha256(fakes.images.openai));
    expect(run.json.outputs.imagen.artifact).toBe(sha256(fakes.images.google));
    expect(run.json.outputs.gemini.artifact).toBe(sha256(fakes.images.google));
    expect(run.json.outputs.flux.artifact).toBe(sha256(fakes.images.hf));
    expect(run.json.nodes.imagen.backend).toBe('Vertex AI');
    expect(run.json.nodes.gemini.backend).toBe('Gemini API');
    expect(run.json.nodes.flux.backend).toBe('hf-inference');

    const predict = fakes.google.requests.find((r) => r.path.endsWith(':predict'))!;
    expect(predict.path).toBe('/v1beta1/projects/atelier-e2e/locations/us-central1/publishers/google/models/imagen-4.0-generate-001:predict');
    expect(fakes.hf.inferenceRequests()[0].path).toBe('/hf-inference/models/black-forest-labs/FLUX.1-schnell');
    expectNoSecrets((await api(`/api/runs/${run.json.id}`)).text);
    expectNoSecrets(await eventsText(run.json.id));
  });

  it('openai.edit in a flow sends the upstream image bytes and records the parent', async () => {
    const flow = buildFlow(
      [
        ['src', 'image.load', { asset: 'chelsea.png' }],
        ['p', 'text.prompt', { text: 'give the cat a hat' }],
        ['edit', 'openai.edit', { partialImages: 0 }],
      ],
      ['src.image -> edit.image', 'p.text -> edit.prompt'],
      { outputs: { edited: { node: 'edit', port: 'image' }, source: { node: 'src', port: 'image' } } },
    );
    const run = await api('/api/runs?wait=1', { body: { flow } });
    expect(run.json.status).toBe('succeeded');
    const form = await fakes.openai.editForm(fakes.openai.requests[0]);
    expect(form.image).toEqual(readFileSync('flows/assets/chelsea.png'));
    expect(run.json.outputs.edited.artifact).toBe(sha256(fakes.images.openai));
    const gallery = (await api('/api/gallery')).json as Array<Record<string, any>>;
    expect(gallery.find((e) => e.runId === run.json.id && e.nodeId === 'edit')?.parent).toBe(run.json.outputs.source.artifact);
  });

  it('retries a 429 through the engine (honouring retry-after) and then succeeds', async () => {
    fakes.hf.once((_req, res) => json(res, 429, { error: 'slow down' }, { 'retry-after': '1' }), (r) => r.method === 'POST');
    const flow = buildFlow(
      [['p', 'text.prompt', { text: 'retry me' }], ['hf', 'hf.text-to-image', { seed: 5 }]],
      ['p.text -> hf.prompt'],
      { outputs: { image: { node: 'hf', port: 'image' } } },
    );
    const run = await api('/api/runs?wait=1', { body: { flow } });
    expect(run.json.status).toBe('succeeded');
    expect(run.json.outputs.image.artifact).toBe(sha256(fakes.images.hf));
    expect(fakes.hf.inferenceRequests()).toHaveLength(2);
    const events = await eventsText(run.json.id);
    expect(events).toMatch(/attempt 1 failed \(Hugging Face \(hf-inference\) rate limited \(429\): slow down\); retrying in 1\.0 s/);
  });

  it('fails a node on 401 without retrying and keeps the echoed key out of the record and events', async () => {
    fakes.openai.once(failWith(401, { message: `Incorrect API key provided: ${SECRETS.OPENAI_API_KEY}.`, code: 'invalid_api_key' }));
    const flow = buildFlow([['p', 'text.prompt', { text: 'x' }], ['g', 'openai.image']], ['p.text -> g.prompt']);
    const run = await api('/api/runs?wait=1', { body: { flow } });
    expect(run.json.status).toBe('failed');
    expect(run.json.nodes.g.error).toMatch(/OpenAI rejected the API key \(401\)/);
    expect(fakes.openai.requests).toHaveLength(1);
    expectNoSecrets(run.text);
    expectNoSecrets(await eventsText(run.json.id));
  });

  it('cancel aborts the provider HTTP request', async () => {
    fakes.google.once(hang);
    const flow = buildFlow([['p', 'text.prompt', { text: 'x' }], ['g', 'google.gemini']], ['p.text -> g.prompt']);
    const started = await api('/api/runs', { body: { flow } });
    expect(started.status).toBe(202);
    await fakes.google.waitForRequests(1);
    expect((await api(`/api/runs/${started.json.runId}/cancel`, { method: 'POST' })).status).toBe(200);
    await fakes.google.waitForAbort(fakes.google.requests[0]);
    let record;
    do record = (await api(`/api/runs/${started.json.runId}`)).json;
    while (record.status === 'running' || record.status === 'queued');
    expect(record.status).toBe('cancelled');
  });

  it('GET /api/providers says what is configured, without secrets', async () => {
    const response = await api('/api/providers');
    expectNoSecrets(response.text);
    const byId = Object.fromEntries((response.json as Array<{ id: string }>).map((p) => [p.id, p]));
    expect(byId.openai).toMatchObject({ configured: true, via: ['OPENAI_API_KEY', 'OPENAI_BASE_URL'], baseUrl: `${fakes.openai.url}/v1` });
    expect(byId.google).toMatchObject({ configured: true, via: ['GEMINI_API_KEY', 'GOOGLE_GEMINI_BASE_URL'] });
    expect(byId.huggingface).toMatchObject({ configured: true, via: ['HF_TOKEN', 'HF_BASE_URL'], baseUrl: fakes.hf.url });
  });
});

describe('example flows without keys', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startTestServer({ env: {} });
  });
  afterAll(() => bare?.close());

  async function runFlow(flowId: string) {
    const response = await fetch(`${bare.url}/api/runs?wait=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flowId }),
    });
    return { status: response.status, body: (await response.json()) as { error: { code: string; details: { issues: Array<Record<string, string>> } } } };
  }

  it('generate-and-iterate fails validation naming OPENAI_API_KEY and GEMINI_API_KEY', async () => {
    const { status, body } = await runFlow('generate-and-iterate');
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_flow');
    expect(body.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'generate', field: 'credentials', message: expect.stringMatching(/^OPENAI_API_KEY is not set/) }),
        expect.objectContaining({ nodeId: 'iterate', field: 'credentials', message: expect.stringMatching(/^GEMINI_API_KEY is not set/) }),
      ]),
    );
  });

  it('compare-providers fails validation naming every missing variable', async () => {
    const { status, body } = await runFlow('compare-providers');
    expect(status).toBe(400);
    const messages = Object.fromEntries(body.error.details.issues.map((i) => [i.nodeId, i.message]));
    expect(messages.openai).toMatch(/^OPENAI_API_KEY is not set/);
    expect(messages.imagen).toMatch(/^GOOGLE_CLOUD_PROJECT is not set/);
    expect(messages.gemini).toMatch(/^GEMINI_API_KEY is not set/);
    expect(messages.flux).toMatch(/^HF_TOKEN is not set/);
  });

  it('GET /api/providers lists them unconfigured with the missing variables', async () => {
    const providers = (await (await fetch(`${bare.url}/api/providers`)).json()) as Array<Record<string, unknown>>;
    expect(providers).toEqual([
      { id: 'openai', title: 'OpenAI', configured: false, missing: ['OPENAI_API_KEY'] },
      { id: 'google', title: 'Google (Gemini, Imagen)', configured: false, missing: ['GEMINI_API_KEY', 'GOOGLE_CLOUD_PROJECT'] },
      { id: 'huggingface', title: 'Hugging Face', configured: false, missing: ['HF_TOKEN'] },
    ]);
  });
});
