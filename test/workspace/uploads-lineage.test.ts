// POST /api/uploads?parent=&prompt= keeps lineage in the gallery (used by the 3D viewer's screenshot).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';

describe('uploads with lineage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  const upload = (bytes: Uint8Array, query = '') =>
    fetch(`${server.url}/api/uploads${query}`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Blob([new Uint8Array(bytes)]) });

  it('records parent and prompt from the query, and the gallery returns them', async () => {
    const parent = await (await upload(readFileSync('flows/assets/astronaut.png'))).json();
    const child = readFileSync('test/workspace/fixtures/two-by-two.png');
    const res = await upload(child, `?parent=${parent.artifact}&prompt=${encodeURIComponent('3D view of the astronaut')}`);
    expect(res.status).toBe(201);
    const made = await res.json();
    const gallery = await (await fetch(`${server.url}/api/gallery?search=3D%20view`)).json();
    expect(gallery).toHaveLength(1);
    expect(gallery[0]).toMatchObject({ prompt: '3D view of the astronaut', parent: parent.artifact, provider: 'upload' });
    expect(gallery[0].artifact.artifact).toBe(made.artifact);
  });

  it('refuses a malformed or unknown parent, naming the field, and stores nothing', async () => {
    const before = (await (await fetch(`${server.url}/api/gallery`)).json()).length;
    const bad = await upload(readFileSync('test/workspace/fixtures/two-by-two.png'), '?parent=nothex');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^parent:/);
    const unknown = await upload(readFileSync('test/workspace/fixtures/two-by-two.png'), `?parent=${'a'.repeat(64)}`);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/^parent: no artifact/);
    expect((await (await fetch(`${server.url}/api/gallery`)).json()).length).toBe(before);
  });
});
