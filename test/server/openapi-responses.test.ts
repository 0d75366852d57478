// Every operation in the served /api/openapi.json is called for real, and every answer is checked
// against what the document says for that status and media type: a JSON body against its schema
// ($refs resolved), bytes and event streams by their media type. An operation the test does not
// exercise fails the suite, so a new route cannot go undocumented or unchecked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const PNG = 'image/png';

let server: TestServer;
let doc: Document;
/** "<method> <path template>" → the statuses whose answers were checked. */
const checked = new Map<string, Set<number>>();

beforeAll(async () => {
  server = await startTestServer();
  doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Document;
});
afterAll(() => server?.close());

/**
 * The document's schema as a validator: components become $defs, so every $ref resolves; an object
 * with listed properties takes no others, so an undocumented field in an answer fails too.
 */
function validatorFor(schema: Schema): z.ZodType {
  const closed = (key: string, value: unknown) => {
    const object = value as Schema | null;
    if (key !== 'properties' && object && typeof object === 'object' && !Array.isArray(object) && object.type === 'object' && object.properties && object.additionalProperties === undefined) {
      return { ...object, additionalProperties: false };
    }
    return value;
  };
  const toDefs = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/'), closed) as Schema;
  return z.fromJSONSchema({ ...toDefs(schema), $defs: toDefs(doc.components.schemas) } as Parameters<typeof z.fromJSONSchema>[0], { defaultTarget: 'draft-2020-12' });
}

function mediaTypeMatches(range: string, actual: string): boolean {
  if (range === '*/*' || range === actual) return true;
  return range.endsWith('/*') && actual.startsWith(range.slice(0, -1));
}

interface Call {
  status: number;
  headers: Headers;
  body: any;
  bytes?: Uint8Array;
}

/**
 * Calls `method path` (path filled in), checks the answer against the document's entry for
 * `template` and records it; `expected` is the status the scenario needs.
 */
async function call(method: string, template: string, path: string, expected: number, init: RequestInit = {}): Promise<Call> {
  const operation = doc.paths[template]?.[method];
  expect(operation, `${method} ${template} is in the document`).toBeDefined();
  const res = await fetch(`${server.url}${path}`, { method: method.toUpperCase(), ...init });
  const mediaType = res.headers.get('content-type')?.split(';')[0].trim() ?? '';
  const raw = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(raw);
  expect(res.status, `${method} ${path}: ${text.slice(0, 500)}`).toBe(expected);
  const described = operation.responses[String(res.status)];
  expect(described, `${method} ${template} answered ${res.status}, which the document does not list`).toBeDefined();
  let body: unknown;
  if (!described.content) {
    expect(raw.byteLength, `${method} ${template} ${res.status} has no body in the document`).toBe(0);
  } else {
    const range = Object.keys(described.content).find((r) => mediaTypeMatches(r, mediaType));
    expect(range, `${method} ${template} ${res.status} answered ${mediaType}; the document lists ${Object.keys(described.content).join(', ')}`).toBeDefined();
    if (mediaType === 'application/json') {
      body = JSON.parse(text);
      const schema = described.content[range!].schema;
      expect(schema, `${method} ${template} ${res.status} has a schema`).toBeDefined();
      const result = validatorFor(schema!).safeParse(body);
      expect(result.success, `${method} ${path} ${res.status} does not match the document: ${JSON.stringify(result.error?.issues.slice(0, 5))}\n${text.slice(0, 500)}`).toBe(true);
    } else {
      expect(raw.byteLength, `${method} ${template} ${res.status} sent ${mediaType} bytes`).toBeGreaterThan(0);
      body = mediaType.startsWith('text/') ? text : undefined;
    }
  }
  const key = `${method} ${template}`;
  if (!checked.has(key)) checked.set(key, new Set());
  checked.get(key)!.add(res.status);
  return { status: res.status, headers: res.headers, body, bytes: raw };
}

const jsonInit = (value: unknown, init: RequestInit = {}): RequestInit => ({ ...init, headers: { 'content-type': 'application/json' }, body: typeof value === 'string' ? value : JSON.stringify(value) });

function flowDoc(name: string, extra: Record<string, unknown> = {}) {
  return {
    format: 'atelier.flow/1',
    name,
    inputs: { text: { node: 'p', param: 'text' } },
    outputs: { text: { node: 'p', port: 'text' } },
    nodes: [{ id: 'p', type: 'text.prompt', position: { x: 0, y: 0 }, params: { text: 'hello' } }],
    edges: [],
    ...extra,
  };
}

describe('every operation answers what /api/openapi.json describes', () => {
  it('validates a body that breaks the schema as wrong (the check can fail)', () => {
    const record = doc.paths['/api/runs/{id}'].get.responses['200'].content!['application/json'].schema!;
    expect(validatorFor(record).safeParse({ id: 'r', status: 'done', startedAt: 'x', outputs: {}, nodes: {} }).success).toBe(false);
    expect(validatorFor(record).safeParse({ id: 'r', status: 'succeeded', startedAt: 'x', outputs: {}, nodes: {} }).success).toBe(true);
  });

  it('the document, the catalog, providers and workers', async () => {
    const self = await call('get', '/api/openapi.json', '/api/openapi.json', 200);
    expect(self.body.openapi).toBe('3.1.0');
    expect((await call('get', '/api/nodes', '/api/nodes', 200)).body.length).toBeGreaterThan(5);
    expect((await call('get', '/api/providers', '/api/providers', 200)).body.map((p: { id: string }) => p.id)).toContain('openai');
    await call('post', '/api/providers/reload', '/api/providers/reload', 200);
    expect((await call('get', '/api/workers', '/api/workers', 200)).body).toEqual([]);
  });

  it('flows: list, create, get, save, stale save, validate, delete and their errors', async () => {
    await call('get', '/api/flows', '/api/flows', 200);
    const created = await call('post', '/api/flows', '/api/flows', 201, jsonInit(flowDoc('Contract check')));
    const id = created.body.id as string;
    const bad = await call('post', '/api/flows', '/api/flows', 400, jsonInit({ format: 'atelier.flow/1', name: '', nodes: [] }));
    expect(bad.body.error.code).toBe('invalid_body');
    expect(bad.body.error.details.issues[0].field).toBe('name');
    expect((await call('post', '/api/flows', '/api/flows', 400, jsonInit('{"name":'))).body.error.code).toBe('bad_json');
    expect((await call('post', '/api/flows', '/api/flows', 415, { headers: { 'content-type': 'text/plain' }, body: 'x' })).body.error.code).toBe('unsupported_media_type');

    const got = await call('get', '/api/flows/{id}', `/api/flows/${id}`, 200);
    expect(got.body.name).toBe('Contract check');
    expect((await call('get', '/api/flows/{id}', '/api/flows/no-such-flow', 404)).body.error.code).toBe('not_found');
    expect((await call('get', '/api/flows/{id}', '/api/flows/Not_An_Id', 400)).body.error.code).toBe('invalid_id');

    const saved = await call('put', '/api/flows/{id}', `/api/flows/${id}`, 200, jsonInit({ ...got.body, name: 'Renamed' }));
    expect(saved.body).toEqual({ id, revision: got.body.revision + 1 });
    const stale = await call('put', '/api/flows/{id}', `/api/flows/${id}`, 409, jsonInit({ ...got.body, name: 'Stale' }));
    expect(stale.body.error).toMatchObject({ code: 'revision_conflict', details: { currentRevision: saved.body.revision, sentRevision: got.body.revision } });
    await call('put', '/api/flows/{id}', `/api/flows/${id}`, 400, jsonInit({ ...got.body, nodes: 'none' }));

    expect((await call('post', '/api/flows/validate', '/api/flows/validate', 200, jsonInit({ flow: flowDoc('Ok') }))).body).toEqual({ ok: true, issues: [] });
    const broken = flowDoc('Broken', { nodes: [{ id: 'p', type: 'no.such-type', position: { x: 0, y: 0 }, params: {} }] });
    const invalid = await call('post', '/api/flows/validate', '/api/flows/validate', 200, jsonInit({ flow: broken }));
    expect(invalid.body.ok).toBe(false);
    expect(invalid.body.issues[0]).toMatchObject({ nodeId: 'p', code: 'unknown_type' });
    await call('post', '/api/flows/validate', '/api/flows/validate', 400, jsonInit({ flow: 'x' }));

    expect((await call('delete', '/api/flows/{id}', `/api/flows/${id}`, 200)).body).toEqual({ id, deleted: true });
    await call('delete', '/api/flows/{id}', `/api/flows/${id}`, 404);
  });

  it('runs: start (queued and ?wait=1), list, record, flow, events, cancel and their errors', async () => {
    const finished = await call('post', '/api/runs', '/api/runs?wait=1', 200, jsonInit({ flowId: 'local-image-pipeline', inputs: { width: 40 } }));
    expect(finished.body.status).toBe('succeeded');
    const queued = await call('post', '/api/runs', '/api/runs', 202, jsonInit({ flow: flowDoc('Queued') }));
    const runId = queued.body.runId as string;
    await call('post', '/api/runs', '/api/runs', 404, jsonInit({ flowId: 'no-such-flow' }));
    const invalid = await call('post', '/api/runs', '/api/runs', 400, jsonInit({ flow: flowDoc('Bad', { nodes: [{ id: 'p', type: 'no.such-type', position: { x: 0, y: 0 } }] }) }));
    expect(invalid.body.error.code).toBe('invalid_flow');
    expect((await call('post', '/api/runs', '/api/runs', 400, jsonInit({ inputs: {} }))).body.error.details.issues[0].field).toBe('flowId');

    expect((await call('get', '/api/runs', '/api/runs?limit=10', 200)).body.length).toBeGreaterThan(0);
    expect((await call('get', '/api/runs', '/api/runs?limit=0', 400)).body.error.code).toBe('invalid_query');

    const record = await call('get', '/api/runs/{id}', `/api/runs/${finished.body.id}`, 200);
    expect(record.body.lastSeq).toBeGreaterThan(0);
    await call('get', '/api/runs/{id}', '/api/runs/no-such-run', 404);
    expect((await call('get', '/api/runs/{id}/flow', `/api/runs/${finished.body.id}/flow`, 200)).body.name).toBeTypeOf('string');
    await call('get', '/api/runs/{id}/flow', '/api/runs/no-such-run/flow', 404);

    const events = await call('get', '/api/runs/{id}/events', `/api/runs/${finished.body.id}/events`, 200);
    expect(events.body).toContain('event: run.finished');
    await call('get', '/api/runs/{id}/events', '/api/runs/no-such-run/events', 404);
    await call('get', '/api/runs/{id}/events', `/api/runs/${finished.body.id}/events?since=-1`, 400);

    expect((await call('post', '/api/runs/{id}/cancel', `/api/runs/${runId}/cancel`, 200)).body.id).toBe(runId);
    await call('post', '/api/runs/{id}/cancel', '/api/runs/no-such-run/cancel', 404);
  });

  it('attaches runs made before a flow was saved, and only those', async () => {
    const run = await call('post', '/api/runs', '/api/runs?wait=1', 200, jsonInit({ flow: flowDoc('Unsaved') }));
    expect(run.body.flowId).toBeUndefined();
    const saved = await call('post', '/api/flows', '/api/flows', 201, jsonInit(flowDoc('Saved later')));
    const other = await call('post', '/api/runs', '/api/runs?wait=1', 200, jsonInit({ flowId: 'local-image-pipeline' }));
    const attached = await call('post', '/api/flows/{id}/runs', `/api/flows/${saved.body.id}/runs`, 200, jsonInit({ runIds: [run.body.id, other.body.id, 'no-such-run'] }));
    expect(attached.body).toEqual({ attached: [run.body.id] });
    expect((await call('get', '/api/runs/{id}', `/api/runs/${run.body.id}`, 200)).body.flowId).toBe(saved.body.id);
    expect((await call('get', '/api/runs', `/api/runs?flowId=${saved.body.id}`, 200)).body.map((r: { id: string }) => r.id)).toEqual([run.body.id]);
    // Attached once: a second flow cannot take it over.
    expect((await call('post', '/api/flows/{id}/runs', `/api/flows/local-image-pipeline/runs`, 200, jsonInit({ runIds: [run.body.id] }))).body).toEqual({ attached: [] });

    await call('post', '/api/flows/{id}/runs', '/api/flows/no-such-flow/runs', 404, jsonInit({ runIds: [run.body.id] }));
    const empty = await call('post', '/api/flows/{id}/runs', `/api/flows/${saved.body.id}/runs`, 400, jsonInit({ runIds: [] }));
    expect(empty.body.error.details.issues[0].field).toBe('runIds');
    const tooMany = await call('post', '/api/flows/{id}/runs', `/api/flows/${saved.body.id}/runs`, 400, jsonInit({ runIds: Array.from({ length: 201 }, (_, i) => `r${i}`) }));
    expect(tooMany.body.error.code).toBe('invalid_body');
  });

  it('batches: start (queued and ?wait=1), list, get, events, cancel and their errors', async () => {
    const sweep = { flowId: 'local-image-pipeline', sweep: { width: [20, 30] } };
    const done = await call('post', '/api/batches', '/api/batches?wait=1', 200, jsonInit(sweep));
    expect(done.body.runs).toHaveLength(2);
    const started = await call('post', '/api/batches', '/api/batches', 202, jsonInit({ ...sweep, sweep: { width: [21] } }));
    expect((await call('post', '/api/batches', '/api/batches', 400, jsonInit({ ...sweep, mode: 'zip', sweep: { width: [1, 2], nope: [1] } }))).body.error.code).toBe('invalid_sweep');
    await call('post', '/api/batches', '/api/batches', 404, jsonInit({ ...sweep, flowId: 'no-such-flow' }));

    await call('get', '/api/batches', '/api/batches', 200);
    await call('get', '/api/batches', '/api/batches?limit=x', 400);
    expect((await call('get', '/api/batches/{id}', `/api/batches/${started.body.batchId}?wait=1`, 200)).body.status).toBe('succeeded');
    await call('get', '/api/batches/{id}', '/api/batches/b-20260101-000000-00000000', 404);
    await call('get', '/api/batches/{id}', '/api/batches/not-a-batch', 400);
    expect((await call('get', '/api/batches/{id}/events', `/api/batches/${done.body.id}/events`, 200)).body).toContain('event: batch.finished');
    await call('get', '/api/batches/{id}/events', '/api/batches/b-20260101-000000-00000000/events', 404);
    await call('get', '/api/batches/{id}/events', '/api/batches/nope/events', 400);
    expect((await call('post', '/api/batches/{id}/cancel', `/api/batches/${done.body.id}/cancel`, 200)).body.id).toBe(done.body.id);
    await call('post', '/api/batches/{id}/cancel', '/api/batches/b-20260101-000000-00000000/cancel', 404);
    await call('post', '/api/batches/{id}/cancel', '/api/batches/nope/cancel', 400);
  });

  it('artifacts, thumbnails, downloads, uploads, the gallery and flows from images', async () => {
    const run = await call('post', '/api/runs', '/api/runs?wait=1', 200, jsonInit({ flowId: 'local-image-pipeline' }));
    const hash = run.body.outputs.resized.artifact as string;
    const bytes = await call('get', '/api/artifacts/{hash}', `/api/artifacts/${hash}`, 200);
    expect(bytes.headers.get('content-type')).toBe(PNG);
    await call('get', '/api/artifacts/{hash}', `/api/artifacts/${hash}`, 304, { headers: { 'if-none-match': `"${hash}"` } });
    const download = await call('get', '/api/artifacts/{hash}', `/api/artifacts/${hash}?download=1&run=${run.body.id}`, 200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    await call('get', '/api/artifacts/{hash}', `/api/artifacts/${hash}?download=1&run=bad!id`, 400);
    await call('get', '/api/artifacts/{hash}', `/api/artifacts/${'0'.repeat(64)}`, 404);
    await call('get', '/api/artifacts/{hash}', '/api/artifacts/not-a-hash', 400);
    await call('get', '/api/artifacts/{hash}/thumbnail', `/api/artifacts/${hash}/thumbnail`, 200);
    await call('get', '/api/artifacts/{hash}/thumbnail', `/api/artifacts/${'0'.repeat(64)}/thumbnail`, 404);

    const embedded = await call('post', '/api/flows/from-image', '/api/flows/from-image', 200, { headers: { 'content-type': PNG }, body: download.bytes as BodyInit });
    expect(embedded.body.runId).toBe(run.body.id);
    const plain = readFileSync(join(server.flowsDir, 'assets', 'chelsea.png'));
    expect((await call('post', '/api/flows/from-image', '/api/flows/from-image', 422, { headers: { 'content-type': PNG }, body: plain })).body.error.code).toBe('no_embedded_flow');
    await call('post', '/api/flows/from-image', '/api/flows/from-image', 400, { headers: { 'content-type': PNG }, body: '' });

    const uploaded = await call('post', '/api/uploads', '/api/uploads?prompt=cat', 201, { headers: { 'content-type': PNG }, body: plain });
    expect(uploaded.body.mediaType).toBe(PNG);
    expect((await call('post', '/api/uploads', '/api/uploads', 415, { headers: { 'content-type': PNG }, body: 'not an image' })).body.error.code).toBe('unsupported_media_type');
    expect((await call('post', '/api/uploads', '/api/uploads', 400, { headers: { 'content-type': PNG }, body: '' })).body.error.code).toBe('invalid_body');
    await call('post', '/api/uploads', `/api/uploads?parent=${'0'.repeat(64)}`, 400, { headers: { 'content-type': PNG }, body: plain });

    const gallery = await call('get', '/api/gallery', '/api/gallery?provider=upload', 200);
    expect(gallery.body.map((e: { prompt?: string }) => e.prompt)).toContain('cat');
    expect(Number(gallery.headers.get('x-total-count'))).toBeGreaterThan(0);
  });

  it('templates: list, save a copy, the shipped preview and its errors', async () => {
    const list = await call('get', '/api/templates', '/api/templates', 200);
    expect(list.body.map((t: { id: string }) => t.id)).toContain('local-image-pipeline');
    const copy = await call('post', '/api/templates', '/api/templates', 201, jsonInit({ flow: flowDoc('With preview', { preview: 'chelsea.png' }), name: 'Cat template' }));
    const preview = await call('get', '/api/templates/{id}/preview', `/api/templates/${copy.body.id}/preview`, 200);
    expect(preview.headers.get('content-type')).toBe(PNG);
    const bare = await call('post', '/api/templates', '/api/templates', 201, jsonInit({ flow: flowDoc('No preview'), name: 'Bare template' }));
    await call('get', '/api/templates/{id}/preview', `/api/templates/${bare.body.id}/preview`, 404);
    await call('get', '/api/templates/{id}/preview', '/api/templates/Bad_Id/preview', 400);
    await call('post', '/api/templates', '/api/templates', 404, jsonInit({ flowId: 'no-such-flow' }));
    await call('post', '/api/templates', '/api/templates', 400, jsonInit({ name: 'no source' }));
  });

  it('assets: the shipped images by name, and nothing else', async () => {
    const list = await call('get', '/api/assets', '/api/assets', 200);
    expect(list.body).toContainEqual({ name: 'chelsea.png', url: '/api/assets/chelsea.png', bytes: readFileSync(join(server.flowsDir, 'assets', 'chelsea.png')).byteLength });
    expect(list.body.map((a: { name: string }) => a.name)).not.toContain('LICENSE.md');
    const image = await call('get', '/api/assets/{name}', '/api/assets/chelsea.png', 200);
    expect(Buffer.from(image.bytes!).equals(readFileSync(join(server.flowsDir, 'assets', 'chelsea.png')))).toBe(true);
    expect((await call('get', '/api/assets/{name}', '/api/assets/missing.png', 404)).body.error.message).toContain('missing.png');
    await call('get', '/api/assets/{name}', '/api/assets/LICENSE.md', 400);
    await call('get', '/api/assets/{name}', '/api/assets/..%2Fhat-to-3d.json', 400);
  });

  it('gc: a retention pass (dry run, then one keeping everything) and a bad retention', async () => {
    const dry = await call('post', '/api/gc', '/api/gc', 200, jsonInit({ days: 3650, dryRun: true }));
    expect(dry.body).toMatchObject({ days: 3650, dryRun: true, runs: 0, removedArtifacts: [] });
    expect((await call('post', '/api/gc', '/api/gc', 200, jsonInit({ days: 3650 }))).body.dryRun).toBe(false);
    expect((await call('post', '/api/gc', '/api/gc', 400, jsonInit({ days: -1 }))).body.error.details.issues[0].field).toBe('days');
  });

  it('the trust boundary answers as described: a foreign Origin, and a missing token', async () => {
    const refused = await call('post', '/api/flows', '/api/flows', 403, { ...jsonInit(flowDoc('Evil')), headers: { 'content-type': 'application/json', origin: 'https://evil.example' } });
    expect(refused.body.error.code).toBe('origin_not_allowed');
    const guarded = await startTestServer({ token: 'secret-token' });
    try {
      const res = await fetch(`${guarded.url}/api/nodes`);
      expect(res.status).toBe(401);
      const body = await res.json();
      const schema = doc.paths['/api/nodes'].get.responses['401'].content!['application/json'].schema!;
      expect(validatorFor(schema).safeParse(body).success).toBe(true);
      expect(body.error.code).toBe('unauthorized');
    } finally {
      await guarded.close();
    }
  });

  it('the WebSocket upgrades as described', async () => {
    const described = doc.paths['/api/ws']?.get?.responses['101'];
    expect(described).toBeDefined();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws`);
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('upgrade', (res) => resolve(res.statusCode ?? 0));
      socket.once('error', reject);
    });
    socket.close();
    expect(status).toBe(101);
    checked.set('get /api/ws', new Set([101]));
  });

  it('left no operation unexercised (each answered at least one success)', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m} ${path}`));
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations.filter((op) => ![...(checked.get(op) ?? [])].some((status) => status < 400));
    expect(missing, 'operations in /api/openapi.json no test called successfully').toEqual([]);
  });
});
