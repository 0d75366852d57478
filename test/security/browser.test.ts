// The trust boundary as a browser sees it: a hostile page on another loopback port, a DNS-rebinding
// name, and the editor itself on 127.0.0.1 and localhost, with and without a token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEditorBuilt, hasChromium, launchBrowser } from '../editor/browser';
import { startTestServer, type TestServer } from '../helpers/server';

const TOKEN = 'browser-test-token-0123456789';

describe.skipIf(!hasChromium)('trust boundary in Chromium', () => {
  let open: TestServer;
  let guarded: TestServer;
  let attacker: Server;
  let attackerUrl: string;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    await ensureEditorBuilt();
    open = await startTestServer();
    guarded = await startTestServer({ token: TOKEN });
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title><p>hello'));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    // evil.test resolves to this machine, as a DNS-rebinding domain would after its first answer
    ({ context, close: closeBrowser } = await launchBrowser(['--host-resolver-rules=MAP evil.test 127.0.0.1']));
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    if (attacker) await new Promise((resolve) => attacker.close(resolve));
    await open?.close();
    await guarded?.close();
  });

  const count = async (server: TestServer, path: string) => ((await (await fetch(server.url + path)).json()) as unknown[]).length;
  const portOf = (server: TestServer) => new URL(server.url).port;

  /** Watches a page for CSP violations and page errors. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
    });
    return problems;
  }

  it('a page on another loopback port can neither start runs, upload, delete flows, read, nor open the WebSocket', async () => {
    const page = await context.newPage();
    await page.goto(attackerUrl);
    const runsBefore = await count(open, '/api/runs');
    const galleryBefore = await count(open, '/api/gallery');
    const outcome = await page.evaluate(async (target) => {
      const settle = (p: Promise<unknown>) => p.then((r) => (r instanceof Response ? `status ${r.status} (${r.type})` : 'ok'), (e: Error) => `rejected: ${e.message}`);
      const run = await settle(
        fetch(`${target}/api/runs`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ flowId: 'local-image-pipeline' }) }),
      );
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], { type: 'image/png' }), 'x.png');
      const upload = await settle(fetch(`${target}/api/uploads`, { method: 'POST', mode: 'no-cors', body: form }));
      const del = await settle(fetch(`${target}/api/flows/local-image-pipeline`, { method: 'DELETE' }));
      const read = await settle(fetch(`${target}/api/flows`).then((r) => r.json()));
      const socket = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${target.replace('http', 'ws')}/api/ws`);
        ws.onopen = () => resolve('opened');
        ws.onerror = () => resolve('refused');
      });
      return { run, upload, del, read, socket };
    }, open.url);
    expect(outcome.read).toMatch(/^rejected/);
    expect(outcome.del).toMatch(/^rejected/);
    expect(outcome.socket).toBe('refused');
    expect(await count(open, '/api/runs')).toBe(runsBefore);
    expect(await count(open, '/api/gallery')).toBe(galleryBefore);
    expect((await fetch(`${open.url}/api/flows/local-image-pipeline`)).status).toBe(200);
    await page.close();
  });

  it('a DNS-rebinding name gets nothing: the page and the API answer 403', async () => {
    const page = await context.newPage();
    const response = await page.goto(`http://evil.test:${portOf(open)}/`);
    expect(response?.status()).toBe(403);
    // The refusal page is sandboxed (CSP), so the page has an opaque origin and cannot even ask.
    const api = await page.evaluate(() =>
      fetch('/api/flows', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
        (res) => `status ${res.status}`,
        (error: Error) => `rejected: ${error.message}`,
      ),
    );
    expect(api).toMatch(/^(status 403|rejected)/);
    const direct = await fetch(`${open.url}/api/flows`);
    expect(direct.status).toBe(200);
    await page.close();
  });

  async function editorWorks(page: Page, problems: string[]): Promise<void> {
    await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined, null, { timeout: 20_000 });
    await page.waitForFunction(() => window.__atelier?.store.getState().socket === 'open', null, { timeout: 10_000 });
    const result = await page.evaluate(async () => {
      const flow = window.__atelier!.flow();
      const res = await fetch('/api/flows/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow }) });
      const ws = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/api/ws`);
        socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe', runId: 'none' }));
        socket.onmessage = (m) => resolve(JSON.parse(String(m.data)).error?.code ?? 'event');
        socket.onerror = () => resolve('refused');
      });
      return { validate: res.status, ws, cookie: document.cookie };
    });
    expect(result.validate).toBe(200);
    expect(result.ws).toBe('not_found');
    expect(result.cookie).not.toContain('atelier_session');
    expect(problems).toEqual([]);
  }

  for (const name of ['127.0.0.1', 'localhost']) {
    it(`the editor works on http://${name}:<port>/ without a token`, async () => {
      const page = await context.newPage();
      const problems = watch(page);
      await page.goto(`http://${name}:${portOf(open)}/`);
      await editorWorks(page, problems);
      await page.close();
    });

    it(`the editor works on http://${name}:<port>/ with a token, by cookie after /?token=`, async () => {
      const page = await context.newPage();
      const problems = watch(page);
      const denied = await page.goto(`http://${name}:${portOf(guarded)}/`);
      expect(denied?.status()).toBe(401);
      await page.goto(`http://${name}:${portOf(guarded)}/?token=${TOKEN}`);
      expect(page.url()).toBe(`http://${name}:${portOf(guarded)}/`);
      await editorWorks(page, problems);
      await page.close();
    });
  }
});
