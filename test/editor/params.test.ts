// Params for people: a crop tool that drags a rectangle, the point prompt summarised, seed
// randomise and lock, declared examples offered as suggestions — all found by widget hints.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, screenshot } from './browser';
import { nodeIds, openEditor, selectNode, useHarness } from './harness';

const params = (page: Page, id: string) => page.evaluate((nodeId) => window.__atelier!.store.getState().nodes.find((n) => n.id === nodeId)!.data.params, id);

/** A catalog type declaring this widget hint on one of its params. */
const typeWithWidget = (page: Page, widget: string) =>
  page.evaluate((w) => {
    for (const n of window.__atelier!.store.getState().catalog!.nodes) {
      if (n.category === 'flows') continue; // a subflow re-exposes its inner nodes' params, hints and all
      for (const [param, s] of Object.entries(n.params.properties ?? {})) if (s.widget === w) return { type: n.type, param };
    }
    throw new Error(`no param with widget ${w}`);
  }, widget);

describe.skipIf(!hasChromium)('params for people', () => {
  const h = useHarness();

  it('crops by dragging a rectangle on the input image (one undo step)', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    const { type } = await typeWithWidget(page, 'crop-box');
    const id = (await page.evaluate((t) => window.__atelier!.store.getState().nodes.find((n) => n.data.atype === t)!.id, type));
    const before = await params(page, id);
    await selectNode(page, id);
    await page.locator('.inspector').getByRole('button', { name: 'Crop on image…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Crop' });
    const stage = dialog.getByTestId('crop-stage');
    await stage.waitFor({ timeout: 30_000 });
    const img = dialog.locator('img');
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
    const natural = await img.evaluate((i: HTMLImageElement) => i.naturalWidth);
    const box = (await stage.boundingBox())!;
    const s = box.width / natural;
    await page.mouse.move(box.x + 50 * s, box.y + 40 * s);
    await page.mouse.down();
    await page.mouse.move(box.x + 250 * s, box.y + 200 * s, { steps: 8 });
    await page.mouse.up();
    await screenshot(page, 'params-01-crop');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const after = await params(page, id);
    for (const [key, want] of Object.entries({ x: 50, y: 40, width: 200, height: 160 })) expect(Math.abs((after[key] as number) - want), key).toBeLessThanOrEqual(2);
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    expect(await params(page, id)).toEqual(before);
  }, 90_000);

  it('says what to do when a crop node has no image connected, with Done off', async () => {
    const page = await openEditor(h);
    const { type } = await typeWithWidget(page, 'crop-box');
    await page.locator(`.palette-item[data-node-type="${type}"]`).click();
    const [id] = await nodeIds(page);
    await selectNode(page, id);
    await page.locator('.inspector').getByRole('button', { name: 'Crop on image…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Crop' });
    await expect.poll(() => dialog.textContent()).toContain('Connect an image');
    expect(await dialog.getByRole('button', { name: 'Done' }).isDisabled()).toBe(true);
  }, 60_000);

  it('summarises the point prompt and opens Select object from the inspector', async () => {
    const page = await openEditor(h, '?flow=segment-to-3d');
    const { type, param } = await typeWithWidget(page, 'points');
    // The flow's nodes arrive after the canvas is drawn: wait for the segment node itself.
    const findNode = () => page.evaluate((t) => window.__atelier!.store.getState().nodes.find((n) => n.data.atype === t), type);
    await expect.poll(findNode, { timeout: 30_000 }).toBeDefined();
    const node = (await findNode())!;
    await selectNode(page, node.id);
    const summary = page.locator('.inspector [data-prompt-summary]');
    const count = (node.data.params[param] as unknown[]).length;
    expect(await summary.textContent()).toContain(`${count} point${count === 1 ? '' : 's'}`);
    await page.locator('.inspector').getByRole('button', { name: 'Select object…' }).click();
    await page.getByRole('dialog', { name: 'Select object' }).waitFor();
  }, 60_000);

  it('randomises and locks a seed, and offers declared examples as suggestions', async () => {
    const page = await openEditor(h);
    const { type, param } = await typeWithWidget(page, 'seed');
    await page.locator(`.palette-item[data-node-type="${type}"]`).click();
    const [id] = await nodeIds(page);
    await selectNode(page, id);
    const field = page.locator(`.inspector [data-field="${param}"]`);
    expect(await field.locator('[data-seed-locked]').getAttribute('data-seed-locked')).toBe('false');
    await field.getByRole('button', { name: /^Lock / }).click();
    await expect.poll(async () => typeof (await params(page, id))[param]).toBe('number');
    const first = (await params(page, id))[param];
    await field.getByRole('button', { name: /^Random / }).click();
    await expect.poll(async () => (await params(page, id))[param]).not.toBe(first);
    await field.getByRole('button', { name: /^Unlock / }).click();
    await expect.poll(async () => (await params(page, id))[param]).toBeUndefined();
    // A param declaring examples (e.g. model names) lists them as suggestions.
    const withExamples = await page.evaluate((t) => {
      const spec = window.__atelier!.store.getState().catalog!.byType.get(t)!;
      return Object.entries(spec.params.properties ?? {}).find(([, s]) => Array.isArray(s.examples))?.[0];
    }, type);
    if (withExamples) expect(await page.locator(`.inspector [data-field="${withExamples}"] datalist option`).count()).toBeGreaterThan(0);
    await screenshot(page, 'params-02-seed');
  }, 60_000);
});
