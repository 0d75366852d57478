// Results stay: reopening a flow shows its latest run; runs made before the first save follow the
// flow; the Runs tab groups runs per flow with thumbnails.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, screenshot } from './browser';
import { api, nodeEl, openEditor, runAndWait, useHarness } from './harness';

const imageLoaded = (page: Page, selector: string) =>
  page.locator(selector).first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);

describe.skipIf(!hasChromium)('results that stay', () => {
  const h = useHarness();

  it('reopening a flow shows its last finished run: statuses, previews, timings', async () => {
    const flow = (await api<Flow>(h, 'GET', '/api/flows/local-image-pipeline')).json;
    const { json: created } = await api<{ id: string }>(h, 'POST', '/api/flows', { ...flow, name: 'Reopen me', revision: 0 });
    const page = await openEditor(h, `?flow=${created.id}`);
    expect(await runAndWait(page)).toBe('succeeded');
    const runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);
    await page.close();

    const again = await openEditor(h, `?flow=${created.id}`);
    await expect.poll(() => again.evaluate(() => window.__atelier!.store.getState().run?.id)).toBe(runId);
    for (const node of flow.nodes) await expect.poll(() => nodeEl(again, node.id).getAttribute('data-status')).toMatch(/succeeded|cached/);
    await expect.poll(() => imageLoaded(again, '[data-node-id="out"] .thumb img')).toBeGreaterThan(0);
    expect(await nodeEl(again, 'resize').locator('.anode-footer').textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(await again.locator('[data-run-status]').first().textContent()).toBe('succeeded');
    await screenshot(again, 'results-01-reopened');
  }, 60_000);

  it('keeps runs made before the first save with the flow once saved, and groups runs per flow with thumbnails', async () => {
    const flow = (await api<Flow>(h, 'GET', '/api/flows/local-image-pipeline')).json;
    const page = await openEditor(h);
    await page.evaluate((f) => window.__atelier!.load({ ...f, name: 'Saved after running', revision: 0 }, null), flow);
    expect(await runAndWait(page)).toBe('succeeded');
    const runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().flowId)).not.toBeNull();
    const flowId = (await page.evaluate(() => window.__atelier!.store.getState().flowId))!;
    await page.close();

    const again = await openEditor(h, `?flow=${flowId}`);
    await expect.poll(() => again.evaluate(() => window.__atelier!.store.getState().run?.id)).toBe(runId);
    await expect.poll(() => nodeEl(again, 'out').getAttribute('data-status')).toMatch(/succeeded|cached/);

    // A run of another flow, so the Runs tab has two groups.
    await api(h, 'POST', '/api/runs?wait=1', { flowId: 'local-image-pipeline' });
    await again.getByRole('tab', { name: 'Runs' }).click();
    const mine = again.getByRole('region', { name: 'Runs of Saved after running' });
    await expect.poll(() => mine.locator(`[data-run-id="${runId}"]`).count()).toBe(1);
    const groups = await again.locator('[data-run-group]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-group')));
    expect(groups[0]).toBe('Saved after running');
    expect(groups).toContain('Local image pipeline');
    await expect.poll(() => imageLoaded(again, `[data-run-id="${runId}"] .run-thumbs img`)).toBeGreaterThan(0);
    await screenshot(again, 'results-02-runs-tab');
  }, 90_000);

  it('views an output large: zoom, checkerboard, download, and an A/B compare slider with another image', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    expect(await runAndWait(page)).toBe('succeeded');
    await nodeEl(page, 'out').locator('.thumb').dispatchEvent('click');
    const viewer = page.locator('.image-viewer');
    await viewer.waitFor();
    expect(await viewer.locator('.image-viewer-stage').evaluate((el) => getComputedStyle(el).backgroundImage)).toContain('conic-gradient');
    await viewer.getByRole('button', { name: 'Zoom in' }).click();
    expect(Number(await viewer.getAttribute('data-zoom'))).toBeGreaterThan(1);
    expect(await viewer.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/\/api\/artifacts\/[0-9a-f]{64}\?download=1$/);
    const options = await viewer.getByLabel('Compare with').locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean));
    expect(options).toContain('load.image');
    await viewer.getByLabel('Compare with').selectOption('load.image');
    const b = viewer.locator('img.compare-b');
    await expect.poll(() => b.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await viewer.getByLabel('Compare split').fill('30');
    expect(await b.evaluate((img) => (img as HTMLElement).style.clipPath)).toContain('30%');
    await screenshot(page, 'results-03-compare');
  }, 60_000);
});
