// A flow carrying groups and notes (annotations) validates, saves and runs exactly as the same flow without them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) };
}

const annotations = [
  { id: 'g1', kind: 'group', position: { x: -40, y: -60 }, size: { width: 700, height: 400 }, title: 'Prepare', color: '#93c5fd' },
  { id: 'n1', kind: 'note', position: { x: 900, y: 0 }, size: { width: 220, height: 140 }, text: 'The mask is elliptical' },
];

describe('annotations through the API', () => {
  it('validate, save and run ignore them', async () => {
    const plain = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    const annotated = { ...plain, annotations };
    expect((await post('/api/flows/validate', { flow: annotated })).json).toEqual({ ok: true, issues: [] });

    const created = await post('/api/flows', { ...annotated, name: 'Annotated pipeline' });
    expect(created.status).toBe(201);
    const saved = (await (await fetch(`${server.url}/api/flows/${created.json.id}`)).json());
    expect(saved.annotations).toEqual(annotations);

    const withNotes = await post('/api/runs?wait=1', { flowId: created.json.id });
    const without = await post('/api/runs?wait=1', { flow: plain });
    expect(withNotes.json.status).toBe('succeeded');
    expect(without.json.status).toBe('succeeded');
    expect(Object.keys(withNotes.json.nodes).sort()).toEqual(plain.nodes.map((n: { id: string }) => n.id).sort());
    expect(withNotes.json.outputs).toEqual(without.json.outputs);
  });
});
