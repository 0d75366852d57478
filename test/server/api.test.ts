import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOADS_AT_ONCE, uploadsInProgress, uploadsWaiting } from '../../runtime/server/upload-body';
import { until } from '../helpers/poll';
import { startTestServer, type TestServer } from '../helpers/server';
import { MAX_JSON_BYTES } from '../../runtime/server/app';
import { RECORD_NODES_IN_TURNS } from '../../runtime/store/runs';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const api = (path: string, init?: RequestInit) => fetch(server.url + path, init);
const postJson = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const flowDoc = () => JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));

/** A text.prompt saying `text`, then `length - 1` output nodes in a chain (o1, o2, …), each passing it on. */
function outputChain(length: number, text: string) {
  const nodes = [{ id: 'head', type: 'text.prompt', position: { x: 0, y: 0 }, params: { text } }];
  const edges = [];
  for (let i = 1; i < length; i++) {
    nodes.push({ id: `o${i}`, type: 'output', position: { x: i, y: 0 }, params: {} } as never);
    edges.push({ id: `e${i}`, source: i === 1 ? 'head' : `o${i - 1}`, sourceHandle: i === 1 ? 'text' : 'value', target: `o${i}`, targetHandle: 'value' });
  }
  return { format: 'atelier.flow/1', name: `${length} nodes`, revision: 0, inputs: {}, outputs: {}, nodes, edges };
}

describe('HTTP API', () => {
  it('serves the node catalog with params as JSON Schema', async () => {
    const catalog = await (await api('/api/nodes')).json();
    const resize = catalog.find((n: { type: string }) => n.type === 'image.resize');
    expect(resize).toMatchObject({ category: 'core', inputs: { image: { type: 'image' } }, outputs: { image: { type: 'image' } } });
    expect(resize.params.properties.fit.enum).toContain('cover');
    expect(catalog.find((n: { type: string }) => n.type === 'lgm.3d').outputs.model.type).toBe('model3d');
  });

  it('runs a saved flow with ?wait=1 and serves its output artifact as stored bytes', async () => {
    const res = await postJson('/api/runs?wait=1', { flowId: 'local-image-pipeline' });
    expect(res.status).toBe(200);
    const run = await res.json();
    expect(run).toMatchObject({ flowId: 'local-image-pipeline', status: 'succeeded' });
    // Like GET /api/runs/:id, the record says where its events end (subscribe with since=lastSeq).
    expect(run.lastSeq).toBeGreaterThan(0);
    expect((await (await api(`/api/runs/${run.id}`)).json()).lastSeq).toBe(run.lastSeq);
    const cutout = run.outputs.cutout;
    expect(cutout).toMatchObject({ mediaType: 'image/png', width: 256, url: `/api/artifacts/${cutout.artifact}` });
    const download = await api(cutout.url);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('cache-control')).toContain('immutable');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(cutout.artifact);
    const again = await (await postJson('/api/runs?wait=1', { flow: flowDoc() })).json();
    expect(again.outputs).toEqual(run.outputs);
    expect(Object.values(again.nodes).every((n) => (n as { cached: boolean }).cached)).toBe(true);
  });

  it('starts a run with 202 and streams its events over SSE, replaying after since', async () => {
    const res = await postJson('/api/runs', { flowId: 'local-image-pipeline', inputs: { width: 100 } });
    expect(res.status).toBe(202);
    const { runId } = await res.json();
    const text = await (await api(`/api/runs/${runId}/events`)).text();
    const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(events.map((e) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
    const tail = await (await api(`/api/runs/${runId}/events?since=${events.length - 2}`)).text();
    expect(tail.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)).seq)).toEqual([events.length - 1, events.length]);
    const record = await (await api(`/api/runs/${runId}`)).json();
    expect(record.nodes.resize.outputs.image.width).toBe(100);
    expect(record.lastSeq).toBe(events.length);
    const list = await (await api('/api/runs?flowId=local-image-pipeline')).json();
    expect(list.map((r: { id: string }) => r.id)).toContain(runId);
    expect(await (await api(`/api/runs/${runId}/flow`)).json()).toMatchObject({ name: 'Local image pipeline' });
  });

  it("answers a finished run's record and flow from their stored (deflated) JSON, as they are", async () => {
    // A record of RECORD_NODES_IN_TURNS nodes or more is stored whole; a smaller one as its head (below).
    const flow = outputChain(RECORD_NODES_IN_TURNS, 'stored as it is');
    const waited = await postJson('/api/runs?wait=1', { flow });
    expect(waited.status).toBe(200);
    expect(waited.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = await waited.json();
    const stored = server.atelier.store.db.prepare('SELECT typeof(record_json) AS record, typeof(flow_json) AS flow FROM runs WHERE id = ?').get(answer.id);
    expect(stored).toEqual({ record: 'blob', flow: 'blob' });
    const expected = { ...JSON.parse(JSON.stringify(server.atelier.runs.get(answer.id))), lastSeq: server.atelier.runs.lastSeq(answer.id) };
    expect(answer).toEqual(expected);
    expect(answer.nodes[`o${RECORD_NODES_IN_TURNS - 1}`].outputs.value).toBe('stored as it is');
    const got = await api(`/api/runs/${answer.id}`);
    expect(got.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await got.json()).toEqual(expected);
    const ran = await api(`/api/runs/${answer.id}/flow`);
    expect(ran.headers.get('content-type')).toMatch(/^application\/json/);
    const ranFlow = await ran.json();
    expect(ranFlow).toEqual(server.atelier.store.runs.flowOf(answer.id));
    expect(ranFlow.nodes).toHaveLength(RECORD_NODES_IN_TURNS);
    expect((await api('/api/runs/r-20260101-000000-00000000/flow')).status).toBe(404);

    // A row damaged from its start is an error answer; damaged further in, the body ends early, never hangs.
    const { record_json: blob } = server.atelier.store.db.prepare('SELECT record_json FROM runs WHERE id = ?').get(answer.id) as { record_json: Buffer };
    const damage = (bytes: Buffer) => server.atelier.store.db.prepare('UPDATE runs SET record_json = ? WHERE id = ?').run(bytes, answer.id);
    damage(Buffer.alloc(blob.length, 0xff));
    const broken = await api(`/api/runs/${answer.id}`);
    expect(broken.status).toBeGreaterThanOrEqual(500);
    expect((await broken.json()).error.message).toBeTruthy();
    damage(blob.subarray(0, blob.length >> 1));
    const cut = await api(`/api/runs/${answer.id}`);
    expect(cut.status).toBe(200);
    await expect(cut.text().then((text) => JSON.parse(text))).rejects.toThrow();
    expect(server.logs.join('\n')).toContain(`the stored record of run ${answer.id} could not be read to its end`);
    damage(blob);
    expect(await (await api(`/api/runs/${answer.id}`)).json()).toEqual(expected);
  });

  it("answers a smaller finished run's record from its row's head and its events", async () => {
    const flow = outputChain(400, 'folded back');
    const answer = await (await postJson('/api/runs?wait=1', { flow })).json();
    expect(answer.status).toBe('succeeded');
    expect(Object.keys(answer.nodes)).toHaveLength(400);
    const row = server.atelier.store.db.prepare('SELECT record_json FROM runs WHERE id = ?').pluck().get(answer.id);
    expect(typeof row).toBe('string');
    expect(JSON.parse(row as string)).toMatchObject({ nodesInEvents: true, id: answer.id, status: 'succeeded', nodes: {} });
    const got = await (await api(`/api/runs/${answer.id}`)).json();
    expect(got).toEqual(answer);
    expect(got.nodes.o399).toMatchObject({ status: 'succeeded', outputs: { value: 'folded back' } });
  });

  it('answers an invalid flow with 400 listing every problem, and runs nothing', async () => {
    const flow = flowDoc();
    flow.nodes[2].params.width = -5;
    flow.nodes.push({ id: 'x', type: 'no.such', position: { x: 0, y: 0 }, params: {} });
    const before = (await (await api('/api/runs')).json()).length;
    const res = await postJson('/api/runs', { flow });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_flow');
    expect(body.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'resize', field: 'width', code: 'invalid_param' }),
        expect.objectContaining({ nodeId: 'x', code: 'unknown_type' }),
      ]),
    );
    expect((await (await api('/api/runs')).json()).length).toBe(before);
  });

  it('gives clear error shapes for malformed JSON, bad bodies and unknown ids', async () => {
    const malformed = await api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"flowId":' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatchObject({ code: 'bad_json', message: expect.stringContaining('not valid JSON') });
    const empty = await postJson('/api/runs', { inputs: {} });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.details.issues[0].field).toBe('flowId');
    for (const [path, status] of [
      ['/api/runs/nope', 404],
      ['/api/flows/nope', 404],
      ['/api/artifacts/' + '0'.repeat(64), 404],
      ['/api/nothing-here', 404],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(status);
      expect((await res.json()).error.code).toBe('not_found');
    }
    const unknownFlow = await postJson('/api/runs', { flowId: 'does-not-exist' });
    expect(unknownFlow.status).toBe(404);
  });

  it('validates a flow without running it: the same issues as a refused run, and ok for a good flow', async () => {
    const before = (await (await api('/api/runs')).json()).length;
    const good = await postJson('/api/flows/validate', { flow: flowDoc() });
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ ok: true, issues: [] });
    const flow = flowDoc();
    flow.nodes[2].params.width = -5;
    flow.nodes.push({ id: 'x', type: 'no.such', position: { x: 0, y: 0 }, params: {} });
    const refused = await (await postJson('/api/runs', { flow })).json();
    const checked = await postJson('/api/flows/validate', { flow });
    expect(checked.status).toBe(200);
    const body = await checked.json();
    expect(body.ok).toBe(false);
    expect(body.issues).toEqual(refused.error.details.issues);
    const unknownInput = await (await postJson('/api/flows/validate', { flow: flowDoc(), inputs: { nope: 1 } })).json();
    expect(unknownInput.issues).toEqual([expect.objectContaining({ field: 'inputs.nope', code: 'unknown_input' })]);
    // a document that is not a flow yet still gets issues naming node and field
    const broken = flowDoc();
    broken.nodes[0].position = 'left';
    const shape = await (await postJson('/api/flows/validate', { flow: broken })).json();
    expect(shape.ok).toBe(false);
    expect(shape.issues).toEqual([expect.objectContaining({ nodeId: broken.nodes[0].id, field: 'position', code: 'invalid_document' })]);
    const noFlow = await postJson('/api/flows/validate', { inputs: {} });
    expect(noFlow.status).toBe(400);
    expect((await noFlow.json()).error.details.issues[0].field).toBe('flow');
    expect((await (await api('/api/runs')).json()).length).toBe(before);
  });

  it('refuses oversized bodies with 413', async () => {
    const huge = JSON.stringify({ flow: { format: 'atelier.flow/1', name: 'x'.repeat(MAX_JSON_BYTES + 1024), nodes: [] } });
    const res = await api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
  });

  it('never reads a file for traversal attempts', async () => {
    for (const path of [
      '/api/artifacts/..%2F..%2Fpackage.json',
      '/api/artifacts/%2e%2e%2f%2e%2e%2fatelier.db',
      '/api/artifacts/..%252f..%252fpackage.json',
      '/api/flows/..%2Fpackage',
      '/api/flows/%2e%2e%2f%2e%2e%2fpackage',
      '/api/flows/..',
      '/api/artifacts/' + 'A'.repeat(64),
    ]) {
      const res = await api(path);
      expect([400, 404], path).toContain(res.status);
      const text = await res.text();
      expect(text, path).not.toContain('"name": "atelier"');
      expect(JSON.parse(text).error.code).toMatch(/invalid_id|not_found/);
    }
    const put = await api('/api/flows/..%2F..%2Fevil', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flowDoc()) });
    expect(put.status).toBe(400);
  });

  it('creates, saves with revision check (409 on stale), lists and deletes flows', async () => {
    const created = await postJson('/api/flows', { ...flowDoc(), name: 'My Copy' });
    expect(created.status).toBe(201);
    const { id, revision } = await created.json();
    expect(id).toBe('my-copy');
    const loaded = await (await api(`/api/flows/${id}`)).json();
    expect(loaded.revision).toBe(revision);
    const put = (body: unknown) => api(`/api/flows/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const saved = await put({ ...loaded, name: 'Renamed' });
    expect(await saved.json()).toEqual({ id, revision: revision + 1 });
    const stale = await put({ ...loaded, name: 'Stale' });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error).toMatchObject({ code: 'revision_conflict', details: { currentRevision: revision + 1 } });
    expect((await (await api(`/api/flows/${id}`)).json()).name).toBe('Renamed');
    expect((await (await api('/api/flows')).json()).map((f: { id: string }) => f.id)).toContain(id);
    expect(await (await api(`/api/flows/${id}`, { method: 'DELETE' })).json()).toEqual({ id, deleted: true });
    expect((await api(`/api/flows/${id}`)).status).toBe(404);
    const invalid = await put({ format: 'atelier.flow/1', nodes: 'none' });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.details.issues.map((i: { field: string }) => i.field)).toEqual(expect.arrayContaining(['name', 'nodes']));
  });

  it('takes uploads as a raw body or multipart, sniffs the type, and lists them in the gallery', async () => {
    const png = readFileSync('flows/assets/chelsea.png');
    const raw = await api('/api/uploads', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: png });
    expect(raw.status).toBe(201);
    const artifact = await raw.json();
    expect(artifact).toMatchObject({ artifact: createHash('sha256').update(png).digest('hex'), mediaType: 'image/png', width: 451, height: 300 });
    const form = new FormData();
    form.set('file', new Blob([readFileSync('flows/assets/astronaut.png')]), 'astronaut.png');
    const multipart = await api('/api/uploads', { method: 'POST', body: form });
    expect(multipart.status).toBe(201);
    expect((await multipart.json()).width).toBe(512);
    // A body sent in chunks without a length, as a streaming client sends one.
    const chunks = [png.subarray(0, 1000), png.subarray(1000, 70_000), png.subarray(70_000)];
    const streamed = new ReadableStream({ pull: (controller) => (chunks.length ? controller.enqueue(chunks.shift()) : controller.close()) });
    const chunked = await api('/api/uploads', { method: 'POST', headers: { 'content-type': 'image/png' }, body: streamed, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(201);
    expect((await chunked.json()).artifact).toBe(artifact.artifact);
    const notImage = await api('/api/uploads', { method: 'POST', body: 'hello' });
    expect(notImage.status).toBe(415);
    const gallery = await api('/api/gallery?provider=upload');
    expect((await gallery.json()).map((e: { prompt?: string }) => e.prompt)).toContain('astronaut');
    expect(gallery.headers.get('x-total-count')).toBe('3');
    // Paging takes whole numbers in range; anything else is named, never a database error.
    for (const [query, field] of [['offset=1e308', 'offset'], ['offset=1.5', 'offset'], ['limit=0', 'limit'], ['limit=x', 'limit']]) {
      const refused = await api(`/api/gallery?${query}`);
      expect(refused.status, query).toBe(400);
      expect(JSON.stringify(await refused.json()), query).toContain(field);
    }
    expect(await (await api('/api/gallery?offset=9007199254740991&limit=99999')).json()).toEqual([]);
    const thumb = await api(`/api/artifacts/${artifact.artifact}/thumbnail`);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    // the uploaded image loads into a flow by hash
    const run = await (
      await postJson('/api/runs?wait=1', {
        flow: { format: 'atelier.flow/1', name: 'u', nodes: [{ id: 'l', type: 'image.load', position: { x: 0, y: 0 }, params: { artifact: artifact.artifact } }] },
      })
    ).json();
    expect(run.nodes.l.outputs.image.artifact).toBe(artifact.artifact);
  });

  it(`reads ${UPLOADS_AT_ONCE} uploads at once; the next waits for a slot, which a client that gives up frees`, async () => {
    const png = readFileSync('flows/assets/chelsea.png');
    const stalled = Array.from({ length: UPLOADS_AT_ONCE }, () => {
      const abort = new AbortController();
      // A body that sends a little and then nothing: its upload holds a slot.
      const body = new ReadableStream({ start: (controller) => controller.enqueue(png.subarray(0, 1024)) });
      const answer = api('/api/uploads', { method: 'POST', headers: { 'content-type': 'image/png' }, body, signal: abort.signal, duplex: 'half' } as RequestInit).catch((error: Error) => error);
      return { abort, answer };
    });
    await until('the stalled uploads to hold every slot', () => uploadsInProgress() === UPLOADS_AT_ONCE);
    let answered = false;
    const waiting = api('/api/uploads', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }).then((answer) => ((answered = true), answer));
    await until('the next upload to wait for a slot', () => uploadsWaiting() === 1);
    expect(answered).toBe(false);
    stalled[0].abort.abort();
    expect((await waiting).status).toBe(201);
    for (const upload of stalled) upload.abort.abort();
    await Promise.all(stalled.map((upload) => upload.answer));
    await until('every slot to be free again', () => uploadsInProgress() === 0);
  });

  it('describes itself in /api/openapi.json from the same schemas', async () => {
    const doc = await (await api('/api/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/runs', '/api/flows/{id}', '/api/uploads']));
    expect(doc.components.schemas.Flow.properties.format).toBeDefined();
  });

  it('cancels a run through the API', async () => {
    const res = await api(`/api/runs/nope/cancel`, { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('runs a retention pass on POST /api/gc, and refuses a bad retention naming the field', async () => {
    // A pass keeping 30 days: every run here is minutes old, so nothing would go (the removal itself is in test/cli.test.ts).
    const before = (await (await api('/api/runs')).json()).length;
    const kept = await postJson('/api/gc', { days: 30, dryRun: true });
    expect(kept.status).toBe(200);
    expect(await kept.json()).toMatchObject({ days: 30, dryRun: true, runs: 0, events: 0, cacheRows: 0, artifacts: 0, bytes: 0, removedArtifacts: [] });
    expect((await (await api('/api/runs')).json()).length).toBe(before);
    for (const [body, field] of [
      [{ days: -1 }, 'days'],
      [{ days: 'all' }, 'days'],
      [{}, 'days'],
      [{ days: 1, dryRun: 'yes' }, 'dryRun'],
    ] as const) {
      const res = await postJson('/api/gc', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.details.issues[0].field, JSON.stringify(body)).toBe(field);
    }
    expect(Object.keys((await (await api('/api/openapi.json')).json()).paths)).toContain('/api/gc');
  });
});

describe('provider keys', () => {
  it('reads .env again on POST /api/providers/reload and answers the provider list without secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-env-'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, '# nothing yet\n');
    const own = await startTestServer({ env: { ATELIER_ENV_FILE: envFile } });
    try {
      const openai = (list: Array<{ id: string; configured: boolean }>) => list.find((p) => p.id === 'openai')!;
      expect(openai(await (await fetch(`${own.url}/api/providers`)).json()).configured).toBe(false);
      writeFileSync(envFile, 'export OPENAI_API_KEY="sk-reloaded-secret" # added while running\n');
      const reloaded = await fetch(`${own.url}/api/providers/reload`, { method: 'POST' });
      expect(reloaded.status).toBe(200);
      const text = await reloaded.text();
      expect(text).not.toContain('sk-reloaded-secret');
      expect(openai(JSON.parse(text))).toMatchObject({ configured: true, via: expect.arrayContaining(['OPENAI_API_KEY']) });
      expect(await (await fetch(`${own.url}/api/providers`)).text()).toBe(text);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
