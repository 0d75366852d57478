// The gallery as a user meets it: "no images yet", then a grid of large thumbnails; flow outputs
// (offline flows put nothing in the gallery) with their flow name and run under "All outputs"; a
// search shows a loading state and then "no match", which differs from "no images yet".
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { solidPng } from '../fakes/images';
import { hasChromium, screenshot } from './browser';
import { api, openEditor, useHarness } from './harness';

const galleryState = (page: Page, where = '') => page.locator(`${where} [data-gallery-state]`).first().getAttribute('data-gallery-state');

/** Every state the gallery shows from now on, in order. */
async function recordGalleryStates(page: Page, where: string): Promise<void> {
  await page.evaluate((where) => {
    const el = document.querySelector(`${where} [data-gallery-state]`)!;
    const log: string[] = [el.getAttribute('data-gallery-state')!];
    (window as any).__galleryStates = log;
    new MutationObserver(() => {
      const now = el.getAttribute('data-gallery-state')!;
      if (log[log.length - 1] !== now) log.push(now);
    }).observe(el, { attributes: true, attributeFilter: ['data-gallery-state'] });
  }, where);
}

describe.skipIf(!hasChromium)('gallery', () => {
  const h = useHarness();

  it('shows flow outputs with flow name and run, a grid of ≥ 160 px thumbnails, loading and no-match states', async () => {
    const page = await openEditor(h);
    await page.getByRole('tab', { name: 'Gallery' }).click();
    await expect.poll(() => galleryState(page)).toBe('empty');
    expect(await page.locator('[data-gallery-empty]').textContent()).toMatch(/No images yet/);

    // An offline flow's run: its outputs are not gallery entries, but "All outputs" lists them.
    const run = await api(h, 'POST', '/api/runs?wait=1', { flowId: 'local-image-pipeline' });
    expect(run.json.status).toBe('succeeded');
    const outputs = Object.values(run.json.outputs as Record<string, { artifact: string }>).map((o) => o.artifact);
    await page.getByRole('button', { name: 'Reload the gallery' }).click();
    await expect.poll(() => galleryState(page)).toBe('empty');
    await page.getByRole('combobox', { name: 'Show' }).selectOption('outputs');
    const cards = page.locator('[data-kind="output"]');
    await expect.poll(() => cards.count()).toBe(outputs.length);
    expect((await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-hash')))).sort()).toEqual([...outputs].sort());
    expect(await cards.first().locator('[data-flow-name]').textContent()).toBe('Local image pipeline');
    expect(await cards.first().locator('[data-run-id]').textContent()).toBe(run.json.id.slice(0, 8));

    // A generated (here: uploaded) image joins them.
    const png = await solidPng(32, 32, [200, 30, 30]);
    await fetch(`${h.server.url}/api/uploads?prompt=${encodeURIComponent('red square')}`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Blob([new Uint8Array(png)]) });
    await page.getByRole('button', { name: 'Reload the gallery' }).click();
    await expect.poll(() => page.locator('[data-gallery-id]').count()).toBe(outputs.length + 1);

    // Full page at 1440 px: several columns of thumbnails at least 160 px wide.
    await page.getByRole('button', { name: 'Open the full-page gallery' }).click();
    const pageView = page.getByRole('region', { name: 'Gallery' });
    await pageView.getByRole('combobox', { name: 'Show' }).selectOption('outputs');
    await expect.poll(() => pageView.locator('[data-gallery-id]').count()).toBe(outputs.length + 1);
    const thumbs = await pageView.locator('.ws-gallery-thumb').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ top: Math.round(r.top), width: r.width, height: r.height })));
    for (const t of thumbs) expect(t.width).toBeGreaterThanOrEqual(160);
    for (const t of thumbs) expect(t.height).toBeGreaterThanOrEqual(160);
    expect(new Set(thumbs.map((t) => t.top)).size, 'all three in one row').toBe(1);
    await screenshot(page, 'gallery-01-grid-all-outputs');

    // Searching: a loading state, then "no match" — not "no images yet".
    await recordGalleryStates(page, '.ws-gallery-page');
    await pageView.getByRole('searchbox', { name: 'Search prompts' }).fill('zebra');
    await expect.poll(() => galleryState(page, '.ws-gallery-page')).toBe('no-match');
    expect(await page.evaluate(() => (window as any).__galleryStates)).toEqual(['ready', 'loading', 'no-match']);
    expect(await pageView.locator('[data-gallery-no-match]').textContent()).toMatch(/No images match “zebra”/);
    expect(await pageView.locator('[data-gallery-empty]').count()).toBe(0);
    await screenshot(page, 'gallery-02-no-match');

    // A search that matches: by prompt, and by flow name for outputs.
    await pageView.getByRole('searchbox', { name: 'Search prompts' }).fill('red');
    await expect.poll(() => pageView.locator('[data-gallery-id]').count()).toBe(1);
    await pageView.getByRole('searchbox', { name: 'Search prompts' }).fill('pipeline');
    await expect.poll(() => pageView.locator('[data-kind="output"]').count()).toBe(outputs.length);
    await pageView.getByRole('button', { name: 'Back to the editor' }).click();
    expect(page.errors).toEqual([]);
  }, 90_000);
});
