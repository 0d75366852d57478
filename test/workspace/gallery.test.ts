// The gallery in a real browser: images from a provider run (OpenAI then Gemini, on their wire fakes)
// with prompts and lineage, filters, the full-page view, open/drag/download/open-run, and 2,000 images
// in a virtualised list.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidPng } from '../fakes/images';
import { startProviderFakes, type ProviderFakes } from '../providers/harness';
import { startTestServer, type TestServer } from '../helpers/server';
import { ensureEditorBuilt, hasChromium, launchWebGLBrowser, screenshot } from './browser';

const GENERATE_PROMPT = 'a red felt hat on a wooden table, soft studio light';
const ITERATE_PROMPT = 'the same hat at night, lit by a street lamp';

describe.skipIf(!hasChromium)('gallery in Chromium', () => {
  let fakes: ProviderFakes;
  let server: TestServer;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let runId: string;
  let generated: string;
  let iterated: string;
  let grandchild: string;

  beforeAll(async () => {
    await ensureEditorBuilt();
    fakes = await startProviderFakes();
    server = await startTestServer({ env: fakes.env });
    ({ context, close: closeBrowser } = await launchWebGLBrowser());

    const res = await fetch(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'generate-and-iterate' }) });
    const run = await res.json();
    expect(run.status).toBe('succeeded');
    runId = run.id;
    generated = run.nodes.generate.outputs.image.artifact;
    iterated = run.nodes.iterate.outputs.image.artifact;
    // A third generation: an upload made from the iterated image (as the 3D screenshot does).
    const up = await fetch(`${server.url}/api/uploads?parent=${iterated}&prompt=${encodeURIComponent('hat, cropped by hand')}`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Blob([new Uint8Array(await solidPng(8, 8, [10, 120, 200]))]),
    });
    grandchild = (await up.json()).artifact;
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    await fakes?.close();
  });

  async function open(query = ''): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    (page as any).errors = errors;
    await page.goto(`${server.url}/${query}`);
    await page.waitForFunction(() => window.__atelier?.store.getState().catalog !== null, null, { timeout: 20_000 });
    return page;
  }

  const rows = (page: Page) =>
    page.locator('[data-gallery-id]').evaluateAll((els) =>
      els
        .map((el) => ({
          top: el.getBoundingClientRect().top,
          hash: el.getAttribute('data-hash'),
          parent: el.getAttribute('data-parent'),
          depth: Number(el.getAttribute('data-depth')),
          prompt: el.querySelector('[data-prompt]')?.textContent,
          provider: el.querySelector('[data-provider]')?.textContent,
        }))
        .sort((a, b) => a.top - b.top)
        .map(({ top: _top, ...rest }) => rest),
    );

  it('lists the run’s images with prompts, providers and their lineage as a tree', async () => {
    const page = await open();
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await expect.poll(async () => (await rows(page)).length).toBe(3);
    expect(await rows(page)).toEqual([
      { hash: generated, parent: '', depth: 0, prompt: GENERATE_PROMPT, provider: 'openai' },
      { hash: iterated, parent: generated, depth: 1, prompt: ITERATE_PROMPT, provider: 'google' },
      { hash: grandchild, parent: iterated, depth: 2, prompt: 'hat, cropped by hand', provider: 'upload' },
    ]);
    await screenshot(page, '10-gallery-panel-lineage');

    await page.getByRole('searchbox', { name: 'Search prompts' }).fill('night');
    await expect.poll(async () => (await rows(page)).map((r) => r.hash)).toEqual([iterated]);
    await page.getByRole('searchbox', { name: 'Search prompts' }).fill('');
    await page.getByRole('combobox', { name: 'Filter by provider' }).selectOption('openai');
    await expect.poll(async () => (await rows(page)).map((r) => r.hash)).toEqual([generated]);
    await page.getByRole('combobox', { name: 'Filter by provider' }).selectOption('');
    await expect.poll(async () => (await rows(page)).length).toBe(3);

    // Drag an image onto the canvas: an image-loading node set to it.
    await page.locator(`[data-gallery-id][data-hash="${generated}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: { x: 300, y: 200 } });
    const flow = await page.evaluate(() => window.__atelier!.flow());
    expect(flow.nodes).toHaveLength(1);
    expect(flow.nodes[0].params).toEqual({ artifact: generated });
    expect((page as any).errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('full-page view: lineage of one image, download, open in a new flow, open its run', async () => {
    const page = await open('?view=gallery');
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await expect.poll(async () => (await rows(page)).length).toBe(3);
    await gallery.locator(`[data-gallery-id][data-hash="${iterated}"] [data-prompt]`).click();
    const details = gallery.getByLabel('Image details');
    await expect.poll(() => details.locator('[data-lineage-ancestor]').allTextContents()).toEqual([GENERATE_PROMPT]);
    expect(await details.locator('[data-lineage-child]').allTextContents()).toEqual([' hat, cropped by hand']);
    expect(await details.getByRole('link', { name: /^Download/ }).getAttribute('href')).toBe(`/api/artifacts/${iterated}`);
    await screenshot(page, '11-gallery-page-details');

    await details.getByRole('button', { name: /in a new flow$/ }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Gallery' }).count()).toBe(0);
    const flow = await page.evaluate(() => window.__atelier!.flow());
    expect(flow.nodes.map((n) => n.params)).toEqual([{ artifact: iterated }]);
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();

    await page.getByRole('tab', { name: 'Gallery' }).click();
    await page.locator(`[data-gallery-id][data-hash="${iterated}"]`).getByRole('button', { name: /^Open the run/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Discard' }).click(); // the new flow is unsaved
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().run?.id)).toBe(runId);
    expect(await page.evaluate(() => window.__atelier!.store.getState().nodes.map((n) => n.id).sort())).toEqual(['generate', 'iterate', 'iteration', 'prompt']);
    await screenshot(page, '12-gallery-opened-run');
    expect((page as any).errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('keeps 2,000 images in a virtualised list: few rows in the DOM, the last one reachable by scrolling', async () => {
    const png = await solidPng(4, 4, [90, 90, 90]);
    const artifact = await server.atelier.store.artifacts.put(png);
    for (let i = 0; i < 2000; i++) await server.atelier.store.gallery.add({ artifact, provider: 'bulk', prompt: `bulk image ${i}` });

    const page = await open();
    await page.getByRole('tab', { name: 'Gallery' }).click();
    const list = page.getByRole('list', { name: 'Gallery images' });
    await expect.poll(() => list.getAttribute('data-total'), { timeout: 20_000 }).toBe('2003');
    const inDom = await page.locator('[data-gallery-id]').count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(60);
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(async () => (await rows(page)).map((r) => r.hash).slice(-3)).toEqual([generated, iterated, grandchild]);
    expect(await page.locator('[data-gallery-id]').count()).toBeLessThan(60);
    await screenshot(page, '13-gallery-2000-scrolled');
    await page.close();
  }, 60_000);
});
