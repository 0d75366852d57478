// Each attack from issue 10 as raw requests against a real server: every one must be refused.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionValue } from '../../runtime/server/auth';
import { servePerTest } from '../helpers/serve-per-test';
import { nextMessage, openSocket, raw } from './raw';

const serve = servePerTest();

const json = { 'content-type': 'application/json' };
const flowDoc = () => JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
const runCount = async (url: string) => (await raw(`${url}/api/runs`)).json().length;
const portOf = (url: string) => new URL(url).port;

describe('DNS rebinding: the Host header', () => {
  it('refuses a foreign Host on reads, writes, deletes and the WebSocket, naming ATELIER_ALLOWED_HOSTS', async () => {
    const server = await serve();
    const host = `evil.example:${portOf(server.url)}`;
    for (const [method, path, body] of [
      ['GET', '/api/flows', undefined],
      ['POST', '/api/flows', JSON.stringify({ ...flowDoc(), name: 'Rebound' })],
      ['DELETE', '/api/flows/local-image-pipeline', undefined],
      ['GET', '/', undefined],
    ] as const) {
      const res = await raw(server.url + path, { method, headers: { host, ...(body ? json : {}) }, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'host_not_allowed', message: expect.stringContaining('ATELIER_ALLOWED_HOSTS') });
    }
    expect((await raw(`${server.url}/api/flows/local-image-pipeline`)).status).toBe(200);
    await expect(openSocket(server.url, { host })).rejects.toThrow('refused: 403');
  });

  it('answers its own names with the port it listens on, and names listed in ATELIER_ALLOWED_HOSTS', async () => {
    const server = await serve({ env: { ATELIER_ALLOWED_HOSTS: 'atelier.lan, Studio.Example:1234' } });
    const port = portOf(server.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `atelier.lan:${port}`, 'atelier.lan', 'studio.example:1234']) {
      expect((await raw(`${server.url}/api/nodes`, { headers: { host } })).status, host).toBe(200);
    }
    for (const host of [`127.0.0.1:${Number(port) + 1}`, 'localhost', `evil.localhost:${port}`, `localhost.evil.example:${port}`, 'studio.example:80']) {
      expect((await raw(`${server.url}/api/nodes`, { headers: { host } })).status, host).toBe(403);
    }
    expect([400, 403]).toContain((await raw(`${server.url}/api/nodes`, { headers: { host: `a b:${port}` } })).status);
    (await openSocket(server.url, { host: `atelier.lan:${port}` })).close();
  });
});

describe('CSRF and cross-site WebSocket: the Origin header', () => {
  it('refuses state-changing requests from a foreign Origin and runs nothing', async () => {
    const server = await serve();
    const before = await runCount(server.url);
    const evil = { origin: 'http://evil.example' };
    const run = await raw(`${server.url}/api/runs`, { method: 'POST', headers: { ...evil, ...json }, body: JSON.stringify({ flowId: 'local-image-pipeline' }) });
    expect(run.status).toBe(403);
    expect(run.json().error).toMatchObject({ code: 'origin_not_allowed', message: expect.stringContaining('ATELIER_ALLOWED_ORIGINS') });
    const form = '--x\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n' + readFileSync('flows/assets/chelsea.png', 'latin1') + '\r\n--x--\r\n';
    const upload = await raw(`${server.url}/api/uploads`, { method: 'POST', headers: { ...evil, 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.from(form, 'latin1') });
    expect(upload.status).toBe(403);
    for (const origin of ['null', `http://localhost:${Number(portOf(server.url)) + 1}`, `http://127.0.0.1.evil.example:${portOf(server.url)}`]) {
      const res = await raw(`${server.url}/api/flows/local-image-pipeline`, { method: 'DELETE', headers: { origin } });
      expect(res.status, origin).toBe(403);
    }
    expect(await runCount(server.url)).toBe(before);
    expect((await raw(`${server.url}/api/flows/local-image-pipeline`)).status).toBe(200);
    // reading is not state-changing: the browser's same-origin policy keeps the answer from the page
    expect((await raw(`${server.url}/api/nodes`, { headers: evil })).status).toBe(200);
  });

  it('takes requests from its own origin, from listed origins and without any Origin (curl, SDKs, the CLI)', async () => {
    const server = await serve({ env: { ATELIER_ALLOWED_ORIGINS: 'https://tools.example/' } });
    const body = JSON.stringify({ flow: flowDoc() });
    for (const headers of [{}, { origin: server.url }, { origin: 'https://tools.example' }] as Record<string, string>[]) {
      const res = await raw(`${server.url}/api/flows/validate`, { method: 'POST', headers: { ...headers, ...json }, body });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('refuses a WebSocket from a foreign Origin; its own origin may subscribe', async () => {
    const server = await serve();
    await expect(openSocket(server.url, { origin: 'http://evil.example' })).rejects.toThrow('refused: 403');
    const ws = await openSocket(server.url, { origin: server.url });
    ws.send(JSON.stringify({ type: 'subscribe', runId: 'nope' }));
    expect(await nextMessage(ws)).toMatchObject({ error: { code: 'not_found' } });
    ws.close();
  });
});

describe('content types', () => {
  it('JSON routes take only application/json (415 otherwise); uploads take only images and multipart', async () => {
    const server = await serve();
    const before = await runCount(server.url);
    const body = JSON.stringify({ flowId: 'local-image-pipeline' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']) {
      const res = await raw(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status, type).toBe(415);
      expect(res.json().error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('content-type') });
    }
    expect((await raw(`${server.url}/api/runs`, { method: 'POST', body })).status).toBe(415);
    expect(await runCount(server.url)).toBe(before);
    expect((await raw(`${server.url}/api/flows/validate`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ flow: flowDoc() }) })).status).toBe(200);
    for (const type of ['application/json', 'text/plain']) {
      const res = await raw(`${server.url}/api/uploads`, { method: 'POST', headers: { 'content-type': type }, body: readFileSync('flows/assets/chelsea.png') });
      expect(res.status, type).toBe(415);
    }
  });
});

describe('token sessions', () => {
  const token = 'a-long-test-token-0123456789';

  it('exchanges /?token= for an HttpOnly SameSite=Strict cookie and a redirect without the token', async () => {
    const server = await serve({ token });
    const res = await raw(`${server.url}/?token=${token}&flow=local-image-pipeline`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/?flow=local-image-pipeline');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^atelier_session_${portOf(server.url)}=`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(token);
    const session = cookie.split(';')[0];
    expect(session.split('=')[1]).toBe(sessionValue(token));
    expect((await raw(`${server.url}/api/flows`, { headers: { cookie: session } })).status).toBe(200);
    expect((await raw(`${server.url}/`, { headers: { cookie: session } })).status).toBe(200);
    (await openSocket(server.url, { cookie: session })).close();
    const wrong = await raw(`${server.url}/?token=not-it`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await raw(`${server.url}/`)).status).toBe(401);
  });

  it('takes ?token= nowhere but / and the WebSocket; Bearer works for API clients', async () => {
    const server = await serve({ token });
    const denied = await raw(`${server.url}/api/flows?token=${token}`);
    expect(denied.status).toBe(401);
    expect(denied.json().error.code).toBe('unauthorized');
    expect((await raw(`${server.url}/api/flows`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await raw(`${server.url}/api/flows`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await raw(`${server.url}/api/flows`, { headers: { cookie: `atelier_session_${portOf(server.url)}=${token}` } })).status).toBe(401);
    (await openSocket(server.url, {}, `?token=${token}`)).close();
    await expect(openSocket(server.url, {}, '?token=wrong')).rejects.toThrow('refused: 401');
  });

  it('serves artifacts behind a token as Cache-Control: private', async () => {
    const open = await serve();
    const guarded = await serve({ token });
    const png = readFileSync('flows/assets/chelsea.png');
    const auth = { authorization: `Bearer ${token}` };
    for (const [server, headers, expected] of [
      [open, {}, 'public'],
      [guarded, auth, 'private'],
    ] as const) {
      const { artifact } = (await raw(`${server.url}/api/uploads`, { method: 'POST', headers: { ...headers, 'content-type': 'image/png' }, body: png })).json();
      for (const path of [`/api/artifacts/${artifact}`, `/api/artifacts/${artifact}/thumbnail`]) {
        const res = await raw(server.url + path, { headers });
        expect(res.status).toBe(200);
        expect(String(res.headers['cache-control'])).toMatch(new RegExp(`^${expected},`));
      }
    }
  });
});

describe('limits', () => {
  it('closes a WebSocket whose message exceeds 64 KiB and stays healthy', async () => {
    const server = await serve();
    const ws = await openSocket(server.url);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(JSON.stringify({ type: 'subscribe', runId: 'x'.repeat(1024 * 1024) }));
    expect(await closed).toBe(1009);
    expect((await raw(`${server.url}/api/nodes`)).status).toBe(200);
  });

  it('schema-checks WebSocket messages: a long runId is refused without being echoed', async () => {
    const server = await serve();
    const ws = await openSocket(server.url);
    const runId = 'r'.repeat(65);
    ws.send(JSON.stringify({ type: 'subscribe', runId }));
    const reply = await nextMessage(ws);
    expect(reply.error).toMatchObject({ code: 'bad_message', details: { field: 'runId' } });
    expect(JSON.stringify(reply)).not.toContain(runId);
    ws.send(JSON.stringify({ type: 'subscribe-runs', extra: 1 }));
    expect((await nextMessage(ws)).error.code).toBe('bad_message');
    ws.send('['.repeat(60_000));
    expect((await nextMessage(ws)).error.message).toContain('nested deeper than 64 levels');
    ws.close();
  });

  it('refuses JSON nested deeper than 64 levels and overlong strings with a 400 naming the field', async () => {
    const server = await serve();
    const deep = `{"flow":{"format":"atelier.flow/1","name":"d","nodes":[{"id":"a","type":"text.prompt","position":{"x":0,"y":0},"params":{"text":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}}`;
    const res = await raw(`${server.url}/api/runs`, { method: 'POST', headers: json, body: deep });
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'limit_exceeded', message: expect.stringMatching(/^flow\.nodes\.0\.params\.text\.0\.0.*: nested deeper than 64 levels$/) });
    const long = await raw(`${server.url}/api/flows`, { method: 'POST', headers: json, body: JSON.stringify({ ...flowDoc(), description: 'x'.repeat(300_000) }) });
    expect(long.status).toBe(400);
    expect(long.json().error.details.issues[0].field).toBe('description');
  });

  it('refuses node ids, edge ids, port and param names outside ^[A-Za-z0-9_.-]{1,64}$ and never lets __proto__ through', async () => {
    const server = await serve();
    const bad = (mutate: (flow: any) => void) => {
      const flow = flowDoc();
      mutate(flow);
      return raw(`${server.url}/api/runs`, { method: 'POST', headers: json, body: JSON.stringify({ flow }) });
    };
    for (const [field, mutate] of [
      ['nodes.0.id', (f: any) => (f.nodes[0].id = '__proto__')],
      ['nodes.0.id', (f: any) => (f.nodes[0].id = 'constructor')],
      ['nodes.0.id', (f: any) => (f.nodes[0].id = 'a b')],
      ['nodes.0.id', (f: any) => (f.nodes[0].id = 'n'.repeat(65))],
      ['edges.0.id', (f: any) => (f.edges[0].id = 'e/1')],
      ['edges.0.sourceHandle', (f: any) => (f.edges[0].sourceHandle = 'prototype')],
    ] as const) {
      const res = await bad(mutate);
      expect(res.status, field).toBe(400);
      expect(res.json().error.details.issues.map((i: { field: string }) => i.field), field).toContain(`flow.${field}`);
    }
    // "__proto__" as a key anywhere in a body (escaped or not) is refused before parsing
    for (const [field, body] of [
      ['flow.nodes.0.params.__proto__', (flow: string) => flow.replace('"params":{', '"params":{"__proto__":{"polluted":true},')],
      ['flow.inputs.\\u005f_proto__', (flow: string) => flow.replace('"inputs":{', '"inputs":{"\\u005f_proto__":{"node":"load","param":"asset"},')],
    ] as const) {
      const res = await raw(`${server.url}/api/runs`, { method: 'POST', headers: json, body: `{"flow":${body(JSON.stringify(flowDoc()))}}` });
      expect(res.status, field).toBe(400);
      expect(res.json().error.details.issues[0].field, field).toBe(field);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // records from the flow schema have no prototype to pollute
    const { FlowSchema } = await import('../../model/flow');
    const parsed = FlowSchema.parse(JSON.parse('{"format":"atelier.flow/1","name":"p","nodes":[{"id":"a","type":"t","position":{"x":0,"y":0},"params":{"__proto__":{"x":1},"k":1}}]}'));
    expect(Object.getPrototypeOf(parsed.nodes[0].params)).toBeNull();
    expect(Object.getPrototypeOf(parsed.inputs)).toBeNull();
    expect(Object.keys(parsed.nodes[0].params)).toEqual(['k']);
  });

  it('decodes an upload fully before accepting it: a truncated PNG is 422 invalid_image with the reason', async () => {
    const server = await serve();
    const png = readFileSync('flows/assets/chelsea.png');
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    const res = await raw(`${server.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: truncated });
    expect(res.status).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'invalid_image', message: expect.stringContaining('cannot be decoded') });
    const gallery = (await raw(`${server.url}/api/gallery`)).json();
    expect(gallery).toEqual([]);
  });

  it('image.load refuses an asset that links outside flows/assets/', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'atelier-outside-'));
    const secret = join(outside, 'secret.png');
    writeFileSync(secret, readFileSync('flows/assets/chelsea.png'));
    const server = await serve();
    symlinkSync(secret, join(server.flowsDir, 'assets', 'linked.png'));
    try {
      const flow = { format: 'atelier.flow/1', name: 'l', nodes: [{ id: 'l', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'linked.png' } }] };
      const run = (await raw(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: json, body: JSON.stringify({ flow }) })).json();
      expect(run.status).toBe('failed');
      expect(run.nodes.l.error).toContain('outside flows/assets/');
      const traversal = await raw(`${server.url}/api/runs`, { method: 'POST', headers: json, body: JSON.stringify({ flow: { ...flow, nodes: [{ ...flow.nodes[0], params: { asset: '../../package.json' } }] } }) });
      expect(traversal.status).toBe(400);
      expect(traversal.json().error.details.issues[0]).toMatchObject({ nodeId: 'l', field: 'asset' });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('security headers', () => {
  it('sends nosniff, no-referrer and frame-ancestors none everywhere, and a CSP fit for the editor on its page', async () => {
    const server = await serve();
    for (const path of ['/', '/api/nodes', '/api/nothing']) {
      const res = await raw(server.url + path);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
      expect(String(res.headers['content-security-policy']), path).toContain("frame-ancestors 'none'");
    }
    const page = await raw(`${server.url}/`);
    if (String(page.headers['content-type']).startsWith('text/html')) {
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain('worker-src');
      expect(csp).not.toContain("'unsafe-eval'");
    }
  });
});
