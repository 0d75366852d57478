// The editor in a real browser (Debian's Chromium via playwright-core) against a real server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { startTestServer, type TestServer } from '../helpers/server';
import { ensureEditorBuilt, hasChromium, launchBrowser, recordStatuses, screenshot } from './browser';
import { releaseWaitNodes, resetWaitNodes, testWait } from './wait-node';
import { runAndWait } from './harness';

const example: Flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));

describe.skipIf(!hasChromium)('editor in Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    await ensureEditorBuilt();
    server = await startTestServer({ nodes: [testWait] });
    ({ context, close: closeBrowser } = await launchBrowser());
  }, 180_000);

  afterEach(async () => {
    for (const page of context?.pages() ?? []) await page.close();
  });

  afterAll(async () => {
    releaseWaitNodes();
    await closeBrowser?.();
    await server?.close();
  });

  async function open(query = ''): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Leaving with unsaved changes asks first; these tests navigate on.
    page.on('dialog', (d) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()));
    (page as any).errors = errors;
    await page.goto(`${server.url}/${query}`);
    await waitDrawn(page);
    return page;
  }

  async function waitDrawn(page: Page): Promise<void> {
    await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined, null, { timeout: 15_000 });
  }

  const nodeEl = (page: Page, id: string) => page.locator(`[data-node-id="${id}"]`);
  const flowOf = (page: Page) => page.evaluate(() => window.__atelier!.flow());

  async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as T };
  }

  /** Drags a palette entry onto the canvas at a point of the pane; returns the new node's id. */
  async function dropNode(page: Page, type: string, x: number, y: number): Promise<string> {
    const before = await page.evaluate(() => window.__atelier!.store.getState().nodes.map((n) => n.id));
    await page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
    const after = await page.evaluate(() => window.__atelier!.store.getState().nodes.map((n) => n.id));
    const added = after.filter((id) => !before.includes(id));
    expect(added, `dropping ${type} adds one node`).toHaveLength(1);
    return added[0];
  }

  async function link(page: Page, source: string, sourcePort: string, target: string, targetPort: string): Promise<void> {
    const from = page.locator(`.react-flow__handle.source[data-nodeid="${source}"][data-handleid="${sourcePort}"]`);
    const to = page.locator(`.react-flow__handle.target[data-nodeid="${target}"][data-handleid="${targetPort}"]`);
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
  }

  async function select(page: Page, id: string): Promise<void> {
    await nodeEl(page, id).locator('.anode-title').click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().selection)).toEqual([id]);
  }

  async function setField(page: Page, field: string, value: string): Promise<void> {
    const box = page.locator(`.inspector [data-field="${field}"]`);
    const control = box.locator('select');
    if (await control.count()) await control.selectOption(value);
    else await box.locator('input[type="number"], input[type="text"], textarea').first().fill(value);
  }

  async function markInput(page: Page, param: string, name: string): Promise<void> {
    await page.getByRole('button', { name: `Mark ${param} as flow input` }).click();
    await page.getByRole('dialog').locator('input').fill(name);
    await page.getByRole('dialog').getByRole('button', { name: 'OK' }).click();
  }

  async function markOutput(page: Page, port: string, name: string): Promise<void> {
    await page.getByRole('button', { name: `Mark ${port} as flow output` }).click();
    await page.getByRole('dialog').locator('input').fill(name);
    await page.getByRole('dialog').getByRole('button', { name: 'OK' }).click();
  }

  it('lets the browser keep the hashed bundle for good, but always asks again for the page itself', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('cache-control') ?? '').not.toContain('immutable');
    const script = (await page.text()).match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${server.url}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A chunk gone after an upgrade is a 404, not the page kept for a year under the chunk's name.
    const missing = await fetch(`${server.url}/assets/no-such-chunk-0000.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control') ?? '').not.toContain('immutable');
  });

  it('builds the offline example flow from an empty canvas, runs it live, then hits the cache', async () => {
    const page = await open();
    await screenshot(page, '01-empty');
    await page.locator('.flow-name').fill('Built in the browser');

    const load = await dropNode(page, 'image.load', 40, 60);
    const crop = await dropNode(page, 'image.crop', 320, 60);
    const resize = await dropNode(page, 'image.resize', 600, 60);
    const mask = await dropNode(page, 'mask.shape', 40, 420);
    const apply = await dropNode(page, 'mask.apply', 320, 420);
    const out = await dropNode(page, 'output', 600, 420);
    await page.getByRole('button', { name: 'Fit view', exact: true }).click();
    // Fit view animates: wait until the viewport stops moving before dragging links.
    const viewport = () => page.locator('.react-flow__viewport').getAttribute('style');
    await expect.poll(async () => {
      const before = await viewport();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return before === (await viewport());
    }).toBe(true);

    await link(page, load, 'image', crop, 'image');
    await link(page, crop, 'image', resize, 'image');
    await link(page, resize, 'image', mask, 'image');
    await link(page, resize, 'image', apply, 'image');
    await link(page, mask, 'mask', apply, 'mask');
    await link(page, apply, 'cutout', out, 'value');
    expect(await page.locator('.react-flow__edge').count()).toBe(6);

    const byType = new Map(example.nodes.map((n) => [n.type, n]));
    const ids: Record<string, string> = { load, crop, resize, mask, apply, out };
    for (const [exampleId, id] of Object.entries(ids)) {
      const wanted = example.nodes.find((n) => n.id === exampleId)!;
      await select(page, id);
      for (const [field, value] of Object.entries(wanted.params)) {
        const current = await page.evaluate(([nodeId, f]) => window.__atelier!.store.getState().nodes.find((n) => n.id === nodeId)!.data.params[f], [id, field] as const);
        if (current !== value) await setField(page, field, String(value));
      }
      if (exampleId === 'resize') {
        await markInput(page, 'width', 'width');
        await markOutput(page, 'image', 'resized');
      }
      if (exampleId === 'out') await markOutput(page, 'value', 'cutout');
    }
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await screenshot(page, '02-built');

    // The built flow is the shipped example, up to node/edge ids and positions.
    const built = await flowOf(page);
    const rename = new Map(Object.entries(ids).map(([exampleId, id]) => [id, exampleId]));
    expect(built.nodes.map((n) => ({ id: rename.get(n.id), type: n.type, params: n.params })).sort((a, b) => a.id!.localeCompare(b.id!))).toEqual(
      example.nodes.map((n) => ({ id: n.id, type: n.type, params: n.params })).sort((a, b) => a.id.localeCompare(b.id)),
    );
    const edgeKey = (e: { source: string; sourceHandle: string; target: string; targetHandle: string }, map = (x: string) => x) =>
      `${map(e.source)}.${e.sourceHandle}>${map(e.target)}.${e.targetHandle}`;
    expect(built.edges.map((e) => edgeKey(e, (x) => rename.get(x)!)).sort()).toEqual(example.edges.map((e) => edgeKey(e)).sort());
    expect(built.inputs).toEqual({ width: { node: resize, param: 'width' } });
    expect(built.outputs).toEqual({ cutout: { node: out, port: 'value' }, resized: { node: resize, port: 'image' } });
    expect(byType.size).toBe(6);

    await recordStatuses(page);
    expect(await runAndWait(page)).toBe('succeeded');
    // Every status each node element took, as the page showed it (data-status).
    const domLog: Record<string, string[]> = await page.evaluate(() => (window as any).__statusLog);
    for (const id of Object.values(ids)) {
      await expect.poll(() => nodeEl(page, id).getAttribute('data-status')).toBe('succeeded');
      expect(domLog[id], `${id} went from idle through queued and running to succeeded`).toEqual(['idle', 'queued', 'running', 'succeeded']);
    }

    const thumb = nodeEl(page, out).locator('.thumb img');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, '03-succeeded');
    // The minimap may cover the node's corner; the click itself is what is under test.
    await nodeEl(page, out).locator('.thumb').dispatchEvent('click');
    const large = page.locator('img.large-view');
    await expect.poll(() => large.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, '04-large-view');
    await page.keyboard.press('Escape');

    // Ctrl+Enter runs again: nothing changed, so every node is served from the cache.
    const firstRun = await page.evaluate(() => window.__atelier!.store.getState().run!.id);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction((prev) => {
      const run = window.__atelier!.store.getState().run;
      return run && run.id !== prev && run.status === 'succeeded';
    }, firstRun, { timeout: 30_000 });
    for (const id of Object.values(ids)) await expect.poll(() => nodeEl(page, id).getAttribute('data-status')).toBe('cached');
    expect(await page.locator('[data-badge="cached"]').count()).toBe(6);
    await screenshot(page, '05-cached');
    expect((page as any).errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('refuses a link between incompatible ports and says why', async () => {
    const page = await open();
    const prompt = await dropNode(page, 'text.prompt', 150, 150);
    const resize = await dropNode(page, 'image.resize', 550, 150);
    await link(page, prompt, 'text', resize, 'image');
    await expect.poll(() => page.locator('.toast-error').first().textContent()).toContain('Cannot link text → image');
    expect(await page.locator('.react-flow__edge').count()).toBe(0);
    await screenshot(page, '06-refused-link');
    await page.close();
  }, 60_000);

  it('offers only compatible nodes when a link is dropped on empty canvas, and links the pick', async () => {
    const page = await open();
    const load = await dropNode(page, 'image.load', 150, 150);
    const handle = (await page.locator(`.react-flow__handle.source[data-nodeid="${load}"][data-handleid="image"]`).boundingBox())!;
    await page.mouse.move(handle.x + 5, handle.y + 5);
    await page.mouse.down();
    await page.mouse.move(handle.x + 400, handle.y + 250, { steps: 10 });
    await page.mouse.up();
    const options = page.getByRole('dialog', { name: 'Add node' }).getByRole('option');
    const types = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type')));
    expect(types).toContain('image.resize');
    expect(types).not.toContain('text.prompt');
    expect(types).not.toContain('image.load');
    await page.getByRole('searchbox', { name: 'Search nodes' }).fill('resize');
    await page.keyboard.press('Enter');
    const flow = await flowOf(page);
    expect(flow.nodes.map((n) => n.type)).toEqual(['image.load', 'image.resize']);
    expect(flow.edges).toMatchObject([{ source: load, sourceHandle: 'image', targetHandle: 'image' }]);
    await page.close();
  }, 60_000);

  it('draws server validation errors on the offending node before anything runs', async () => {
    const page = await open();
    const load = await dropNode(page, 'image.load', 200, 200);
    const before = (await api<unknown[]>('GET', '/api/runs?limit=100')).json.length;
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => nodeEl(page, load).getAttribute('data-invalid')).toBe('true');
    const text = await nodeEl(page, load).locator('.anode-issues').textContent();
    expect(text).toMatch(/artifact|asset/);
    expect(await nodeEl(page, load).getAttribute('data-status')).toBe('idle');
    expect((await api<unknown[]>('GET', '/api/runs?limit=100')).json.length).toBe(before);
    await screenshot(page, '07-validation-error');
    await page.close();
  }, 60_000);

  it('undoes and redoes adding, linking and deleting', async () => {
    const page = await open();
    const load = await dropNode(page, 'image.load', 150, 150);
    const resize = await dropNode(page, 'image.resize', 550, 150);
    await link(page, load, 'image', resize, 'image');
    const counts = () => page.evaluate(() => {
      const s = window.__atelier!.store.getState();
      return [s.nodes.length, s.edges.length];
    });
    expect(await counts()).toEqual([2, 1]);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    expect(await counts()).toEqual([2, 0]);
    await page.keyboard.press('Control+z');
    expect(await counts()).toEqual([1, 0]);
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+Shift+z');
    expect(await counts()).toEqual([2, 1]);
    await select(page, load);
    await page.keyboard.press('Delete');
    expect(await counts()).toEqual([1, 0]);
    await page.keyboard.press('Control+z');
    expect(await counts()).toEqual([2, 1]);
    await page.getByRole('button', { name: 'Redo' }).click();
    expect(await counts()).toEqual([1, 0]);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await counts()).toEqual([2, 1]);
    // Copy/paste and duplicate give new ids and keep the internal link.
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    expect(await counts()).toEqual([4, 2]);
    await page.keyboard.press('Control+d');
    expect(await counts()).toEqual([6, 3]);
    await page.close();
  }, 60_000);

  it('saves, reloads the identical flow, and handles a stale revision', async () => {
    const page = await open('?flow=local-image-pipeline');
    expect(await page.locator('[data-node-id]').count()).toBe(6);
    await page.locator('.flow-name').fill('Saved from the browser');
    await expect.poll(() => page.locator('[data-unsaved]').count()).toBe(1);
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.locator('[data-unsaved]').count()).toBe(0);
    const saved = await flowOf(page);
    expect(saved.revision).toBe(2);
    expect(new URL(page.url()).searchParams.get('flow')).toBe('local-image-pipeline');

    await page.reload();
    await waitDrawn(page);
    expect(await flowOf(page)).toEqual(saved);
    expect((await api('GET', '/api/flows/local-image-pipeline')).json).toEqual(saved);

    // Someone else saves meanwhile; our save gets a conflict and offers reload / overwrite / copy.
    const theirs = { ...saved, description: 'changed elsewhere' };
    expect((await api('PUT', '/api/flows/local-image-pipeline', theirs)).status).toBe(200);
    await page.locator('.flow-name').fill('Mine');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Save conflict' });
    await dialog.waitFor();
    await screenshot(page, '08-conflict');
    await dialog.getByRole('button', { name: 'Save as copy' }).click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().flowId)).not.toBe('local-image-pipeline');
    const copyId = await page.evaluate(() => window.__atelier!.store.getState().flowId!);
    expect((await api<Flow>('GET', `/api/flows/${copyId}`)).json.name).toBe('Mine (copy)');
    expect((await api<Flow>('GET', '/api/flows/local-image-pipeline')).json.description).toBe('changed elsewhere');

    // Overwrite: back on the original, stale again.
    await page.goto(`${server.url}/?flow=local-image-pipeline`);
    await waitDrawn(page);
    const rev = (await flowOf(page)).revision;
    await api('PUT', '/api/flows/local-image-pipeline', { ...(await flowOf(page)), description: 'again elsewhere' });
    await page.locator('.flow-name').fill('Mine wins');
    await page.keyboard.press('Control+s');
    await page.getByRole('dialog', { name: 'Save conflict' }).getByRole('button', { name: 'Overwrite' }).click();
    await expect.poll(async () => (await api<Flow>('GET', '/api/flows/local-image-pipeline')).json.name).toBe('Mine wins');
    expect((await api<Flow>('GET', '/api/flows/local-image-pipeline')).json.revision).toBe(rev + 2);
    await page.close();
  }, 90_000);

  it('restores a running flow after a reload and shows it live in a second tab', async () => {
    resetWaitNodes();
    const flow: Flow = {
      format: 'atelier.flow/1',
      name: 'Waits for the test',
      revision: 0,
      inputs: {},
      outputs: {},
      nodes: [
        { id: 'p', type: 'text.prompt', position: { x: 0, y: 0 }, params: { text: 'hello' } },
        { id: 'w', type: 'test.wait', position: { x: 300, y: 0 }, params: { label: '' } },
        { id: 'o', type: 'output', position: { x: 600, y: 0 }, params: { name: '' } },
      ],
      edges: [
        { id: 'e1', source: 'p', sourceHandle: 'text', target: 'w', targetHandle: 'value' },
        { id: 'e2', source: 'w', sourceHandle: 'value', target: 'o', targetHandle: 'value' },
      ],
    };
    const { json: created } = await api<{ id: string }>('POST', '/api/flows', flow);
    const other = await open(`?flow=${created.id}`);
    const page = await open(`?flow=${created.id}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status')).toBe('running');
    await expect.poll(() => nodeEl(page, 'p').getAttribute('data-status')).toBe('succeeded');
    expect(await nodeEl(page, 'w').locator('.progress-message').textContent()).toContain('waiting');
    expect(new URL(page.url()).searchParams.get('run')).toBeTruthy();

    await page.reload();
    await waitDrawn(page);
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status')).toBe('running');
    expect(await nodeEl(page, 'p').getAttribute('data-status')).toBe('succeeded');
    expect(await nodeEl(page, 'o').getAttribute('data-status')).toBe('queued');
    await screenshot(page, '09-restored-mid-run');
    // The tab that was open before the run started joined it.
    await expect.poll(() => nodeEl(other, 'w').getAttribute('data-status')).toBe('running');

    releaseWaitNodes();
    for (const tab of [page, other]) {
      await expect.poll(() => nodeEl(tab, 'w').getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
      await expect.poll(() => nodeEl(tab, 'o').getAttribute('data-status')).toBe('succeeded');
      // run.finished comes after the last node's event (once the run's end is committed): polled too.
      await expect.poll(() => tab.locator('[data-run-status]').first().textContent()).toBe('succeeded');
    }
    await screenshot(other, '10-second-tab-finished');
    await page.close();
    await other.close();
  }, 90_000);

  it('shows a running node\'s progress bar, message and streamed preview image', async () => {
    resetWaitNodes();
    const flow: Flow = {
      format: 'atelier.flow/1',
      name: 'Preview while running',
      revision: 0,
      inputs: {},
      outputs: {},
      nodes: [
        { id: 'l', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'chelsea.png' } },
        { id: 'w', type: 'test.wait', position: { x: 320, y: 0 }, params: { label: '' } },
      ],
      edges: [{ id: 'e1', source: 'l', sourceHandle: 'image', target: 'w', targetHandle: 'value' }],
    };
    const { json: created } = await api<{ id: string }>('POST', '/api/flows', flow);
    const page = await open(`?flow=${created.id}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status')).toBe('running');
    const preview = nodeEl(page, 'w').locator('img.preview');
    await expect.poll(() => preview.count()).toBe(1);
    const loaded = await api<{ nodes: Record<string, { outputs: { image: { artifact: string } } }> }>('GET', `/api/runs/${new URL(page.url()).searchParams.get('run')}`);
    expect(await preview.getAttribute('src')).toContain(loaded.json.nodes.l.outputs.image.artifact);
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(451);
    expect(await nodeEl(page, 'w').locator('.progress-message').textContent()).toContain('waiting');
    expect(await nodeEl(page, 'w').getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    await screenshot(page, '09b-streamed-preview');
    releaseWaitNodes();
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
    await page.close();
  }, 60_000);

  it('runs part of a flow, shows node errors, opens a run by URL and lists it in the history', async () => {
    const page = await open('?flow=local-image-pipeline');
    const shown = await page.evaluate(() => window.__atelier!.store.getState().run?.id ?? null);
    await nodeEl(page, 'crop').locator('.anode-title').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Run up to here' }).click();
    await page.waitForFunction((shown) => {
      const run = window.__atelier!.store.getState().run;
      return run && run.id !== shown && run.status === 'succeeded';
    }, shown, { timeout: 30_000 });
    for (const id of ['load', 'crop']) expect(['succeeded', 'cached']).toContain(await nodeEl(page, id).getAttribute('data-status'));
    for (const id of ['resize', 'mask', 'apply', 'out']) expect(await nodeEl(page, id).getAttribute('data-status')).toBe('idle');

    await nodeEl(page, 'resize').getByRole('button', { name: 'From here' }).click();
    await page.waitForFunction(() => {
      const run = window.__atelier!.store.getState().run;
      return run?.status === 'succeeded' && run.nodes.out;
    }, null, { timeout: 30_000 });
    for (const id of ['resize', 'mask', 'apply', 'out']) expect(['succeeded', 'cached']).toContain(await nodeEl(page, id).getAttribute('data-status'));

    // A node that fails at run time shows its error; the run opens again from its URL.
    const broken: Flow = {
      format: 'atelier.flow/1',
      name: 'Broken load',
      revision: 0,
      inputs: {},
      outputs: {},
      nodes: [{ id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { artifact: '0'.repeat(64) } }],
      edges: [],
    };
    const { json: created } = await api<{ id: string }>('POST', '/api/flows', broken);
    await page.goto(`${server.url}/?flow=${created.id}`);
    await waitDrawn(page);
    expect(await runAndWait(page)).toBe('failed');
    await expect.poll(() => nodeEl(page, 'load').getAttribute('data-status')).toBe('failed');
    expect(await nodeEl(page, 'load').locator('[data-error]').textContent()).toContain('not in the store');
    await screenshot(page, '11-node-failed');
    const runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);

    const again = await open(`?run=${runId}`);
    await expect.poll(() => nodeEl(again, 'load').getAttribute('data-status')).toBe('failed');
    expect(await again.evaluate(() => window.__atelier!.store.getState().flowId)).toBe(created.id);
    await again.getByRole('tab', { name: 'Runs' }).click();
    await expect.poll(() => again.locator(`[data-run-id="${runId}"]`).getAttribute('data-run-status')).toBe('failed');
  }, 90_000);

  it('manages flows: duplicate, rename, delete, export, import; shows headless commands that work', async () => {
    const page = await open('?flow=local-image-pipeline');
    await page.getByRole('tab', { name: 'Flows' }).click();
    const original = await api<Flow>('GET', '/api/flows/local-image-pipeline');
    await page.getByRole('button', { name: `Duplicate ${original.json.name}` }).click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().flowId)).not.toBe('local-image-pipeline');
    const copyId = await page.evaluate(() => window.__atelier!.store.getState().flowId!);
    expect(new URL(page.url()).searchParams.get('flow')).toBe(copyId);
    const copyName = `${original.json.name} (copy)`;
    await page.getByRole('button', { name: `Rename ${copyName}` }).click();
    await page.getByRole('dialog', { name: 'Rename flow' }).locator('input').fill('Renamed copy');
    await page.getByRole('dialog', { name: 'Rename flow' }).getByRole('button', { name: 'Rename' }).click();
    await expect.poll(async () => (await api<Flow>('GET', `/api/flows/${copyId}`)).json.name).toBe('Renamed copy');
    await page.getByRole('button', { name: 'Delete Renamed copy' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await api('GET', `/api/flows/${copyId}`)).status).toBe(404);

    // Export writes the flow document; importing it back gives the same graph, unsaved.
    await page.goto(`${server.url}/?flow=local-image-pipeline`);
    await waitDrawn(page);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const file = await (await download).path();
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported).toEqual(await flowOf(page));
    await page.getByRole('button', { name: 'New' }).click();
    expect(await page.locator('[data-node-id]').count()).toBe(0);
    await page.locator('input[type="file"]').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...exported, name: 'Imported' })) });
    await expect.poll(() => page.locator('[data-node-id]').count()).toBe(6);
    expect(await page.locator('.flow-name').inputValue()).toBe('Imported');
    expect(await page.locator('[data-unsaved]').count()).toBe(1);
    // A document the schema refuses is named field by field, and the graph stays as it was.
    const broken = { ...exported, name: 'Broken', nodes: [{ ...exported.nodes[0], id: 'bad id!' }] };
    await page.locator('input[type="file"]').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
    await page.getByRole('dialog').getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.locator('.toast-error').first().textContent()).toContain('Import failed: nodes.0.id');
    expect(await page.locator('.flow-name').inputValue()).toBe('Imported');

    // The headless dialog's curl command runs the saved flow.
    await page.goto(`${server.url}/?flow=local-image-pipeline`);
    await waitDrawn(page);
    await page.getByRole('button', { name: 'API' }).click();
    const curl = (await page.locator('pre[data-command="curl"]').textContent())!;
    const cli = (await page.locator('pre[data-command="CLI"]').textContent())!;
    const width = (await flowOf(page)).nodes.find((n) => n.id === 'resize')!.params.width;
    expect(curl).toBe(`curl -s -X POST ${server.url}/api/runs?wait=1 -H 'content-type: application/json' -d '{"flowId":"local-image-pipeline","inputs":{"width":${String(width)}}}'`);
    expect(cli).toBe(`npx atelier run flows/local-image-pipeline.json --input width=${String(width)} --out out/`);
    // Asynchronously: the server answering it runs in this process.
    const result = JSON.parse((await promisify(execFile)('sh', ['-c', curl], { encoding: 'utf8', timeout: 30_000 })).stdout);
    expect(result.status).toBe('succeeded');
    await screenshot(page, '12-headless-dialog');
    await page.keyboard.press('Escape');

    // Help and theme.
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.reload();
    await waitDrawn(page);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await screenshot(page, '13-light-theme');
    await page.getByRole('button', { name: 'Dark theme' }).click();
  }, 90_000);

  it('adds nodes from the double-click search, keeps one link per input and lays the flow out', async () => {
    const page = await open();
    await page.locator('.react-flow__pane').dblclick({ position: { x: 300, y: 200 } });
    await page.getByRole('searchbox', { name: 'Search nodes' }).fill('load image');
    await page.keyboard.press('Enter');
    await page.locator('.react-flow__pane').dblclick({ position: { x: 300, y: 450 } });
    await page.getByRole('searchbox', { name: 'Search nodes' }).fill('load image');
    await page.keyboard.press('Enter');
    const out = await dropNode(page, 'output', 650, 300);
    const [a, b] = (await flowOf(page)).nodes.filter((n) => n.type === 'image.load').map((n) => n.id);
    await link(page, a, 'image', out, 'value');
    await link(page, b, 'image', out, 'value');
    const { edges } = await flowOf(page);
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({ source: b, target: out, targetHandle: 'value' });

    const before = (await flowOf(page)).nodes.map((n) => n.position);
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    // Auto-layout loads ELK on first use: give it time on a busy machine.
    await expect.poll(async () => JSON.stringify((await flowOf(page)).nodes.map((n) => n.position)), { timeout: 15_000 }).not.toBe(JSON.stringify(before));
    const laidOut = (await flowOf(page)).nodes;
    const outX = laidOut.find((n) => n.id === out)!.position.x;
    for (const n of laidOut) if (n.id !== out) expect(n.position.x).toBeLessThan(outX);
    await page.keyboard.press('Control+z');
    expect((await flowOf(page)).nodes.map((n) => n.position)).toEqual(before);
  }, 60_000);

  it('cancels a running flow', async () => {
    resetWaitNodes();
    const flow: Flow = {
      format: 'atelier.flow/1',
      name: 'Cancel me',
      revision: 0,
      inputs: {},
      outputs: {},
      nodes: [{ id: 'w', type: 'test.wait', position: { x: 0, y: 0 }, params: { label: '' } }],
      edges: [],
    };
    const { json: created } = await api<{ id: string }>('POST', '/api/flows', flow);
    const page = await open(`?flow=${created.id}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status')).toBe('running');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().run?.status)).toBe('cancelled');
    expect(['failed', 'skipped']).toContain(await nodeEl(page, 'w').getAttribute('data-status'));
    releaseWaitNodes();
    await page.close();
  }, 60_000);
});
