// Two things the editor asks the server for: runs made before a flow's first save are attached to
// it on the server (everyone sees them; this browser's localStorage only when that fails, said in a
// toast), and the Load image picker shows the shipped samples (GET /api/assets) as thumbnails.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, launchBrowser, screenshot } from './browser';
import { api, nodeEl, openEditor, runAndWait, selectNode, useHarness, waitDrawn } from './harness';

const flowRunLinks = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('atelier.flowRuns:')));

describe.skipIf(!hasChromium)('what the editor keeps on the server', () => {
  const h = useHarness();

  async function runUnsavedThenSave(page: Page, name: string): Promise<{ runId: string; flowId: string }> {
    const flow = (await api<Flow>(h, 'GET', '/api/flows/local-image-pipeline')).json;
    await page.evaluate((f) => window.__atelier!.load(f, null), { ...flow, name, revision: 0 });
    expect(await runAndWait(page)).toBe('succeeded');
    const runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().flowId)).not.toBeNull();
    return { runId, flowId: (await page.evaluate(() => window.__atelier!.store.getState().flowId))! };
  }

  it('attaches runs made before the first save on the server: another browser sees them', async () => {
    const page = await openEditor(h);
    const { runId, flowId } = await runUnsavedThenSave(page, 'Attached on save');
    await expect.poll(async () => (await api<Array<{ id: string }>>(h, 'GET', `/api/runs?flowId=${flowId}`)).json.map((r) => r.id)).toEqual([runId]);
    expect(await flowRunLinks(page)).toEqual([]);
    expect(await page.locator('.toast-error').count()).toBe(0);

    // A fresh browser profile (nothing in localStorage) opens the flow with that run's results.
    const other = await launchBrowser();
    try {
      const page2 = await other.context.newPage();
      await page2.goto(`${h.server.url}/?flow=${flowId}`);
      await waitDrawn(page2);
      await expect.poll(() => page2.evaluate(() => window.__atelier!.store.getState().run?.id)).toBe(runId);
      await expect.poll(() => nodeEl(page2, 'out').getAttribute('data-status')).toMatch(/succeeded|cached/);
      await screenshot(page2, 'server-links-01-other-browser');
    } finally {
      await other.close();
    }
    expect(page.errors).toEqual([]);
  }, 90_000);

  it('falls back to this browser when the server refuses, and says so', async () => {
    const page = await openEditor(h);
    await page.route(/\/api\/flows\/[^/]+\/runs$/, (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'try later' } }) }));
    const { runId, flowId } = await runUnsavedThenSave(page, 'Linked locally');
    await expect.poll(() => page.locator('.toast').allTextContents()).toContainEqual(expect.stringMatching(/did not attach the 1 run made before saving \(try later\); this browser keeps them linked/));
    expect(await flowRunLinks(page)).toEqual([`atelier.flowRuns:${flowId}`]);
    expect((await api<unknown[]>(h, 'GET', `/api/runs?flowId=${flowId}`)).json).toEqual([]);

    await page.unroute(/\/api\/flows\/[^/]+\/runs$/);
    await page.reload();
    await waitDrawn(page);
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().run?.id)).toBe(runId);
  }, 90_000);

  it('shows the shipped samples as thumbnails in the Load image picker; choosing one sets the asset', async () => {
    const assets = (await api<Array<{ name: string; url: string; bytes: number }>>(h, 'GET', '/api/assets')).json;
    expect(assets.map((a) => a.name)).toContain('astronaut.png');
    const page = await openEditor(h, '?flow=local-image-pipeline');
    await selectNode(page, 'load');
    const zone = page.locator('.inspector [data-widget="image-upload"]');
    await zone.getByRole('button', { name: 'Choose…' }).click();
    const sample = page.locator('.image-picker .image-choice[data-asset="astronaut.png"]');
    await expect.poll(() => sample.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('.image-picker [data-asset] img').count()).toBe(assets.length);
    await screenshot(page, 'server-links-02-samples');
    await sample.click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().nodes.find((n) => n.id === 'load')!.data.params)).toEqual({ asset: 'astronaut.png' });
    // The inspector shows the chosen sample itself, before any run.
    const current = zone.locator('img.current-image[data-current-asset="astronaut.png"]');
    await expect.poll(() => current.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(page.errors).toEqual([]);
  }, 60_000);
});
