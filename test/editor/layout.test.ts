// A canvas you can read: shipped flows open without overlapping nodes, at a readable zoom; node
// widths are bounded; new nodes land in free space; side panels hide and resize, remembered;
// the toolbar fits a 1024 px window.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, screenshot } from './browser';
import { flowOf, nodeIds, openEditor, runAndWait, selectNode, useHarness } from './harness';

const shipped = readdirSync('flows').filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

interface Box { id: string; x: number; y: number; width: number; height: number }

/** Every node's rectangle in flow coordinates at its rendered size (all nodes must be measured). */
async function renderedBoxes(page: Page): Promise<Box[]> {
  await page.waitForFunction(() => window.__atelier!.store.getState().nodes.every((n) => n.measured?.width), null, { timeout: 15_000 });
  return page.evaluate(() =>
    window.__atelier!.store.getState().nodes.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y, width: n.measured!.width!, height: n.measured!.height! })),
  );
}

function overlapping(boxes: Box[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.id} × ${b.id}`);
    }
  return found;
}

const zoomOf = (page: Page) => page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('.react-flow__viewport')!.getAttribute('style')!)![1]));

describe.skipIf(!hasChromium)('a readable canvas', () => {
  const h = useHarness();

  it('lays out every shipped flow without overlapping nodes, each node 220–320 px wide', async () => {
    expect(shipped.length).toBeGreaterThan(0);
    // A window big enough that every node is on screen (only visible nodes are rendered and measured).
    const page = await openEditor(h, '', { width: 3600, height: 2200 });
    for (const id of shipped) {
      await page.goto(`${h.server.url}/?flow=${id}`);
      await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined);
      const boxes = await renderedBoxes(page);
      expect(boxes.length, id).toBe((JSON.parse(readFileSync(`flows/${id}.json`, 'utf8')) as Flow).nodes.length);
      expect(overlapping(boxes), `${id}: overlapping nodes`).toEqual([]);
      for (const b of boxes) {
        expect(b.width, `${id}/${b.id} width`).toBeGreaterThanOrEqual(220);
        expect(b.width, `${id}/${b.id} width`).toBeLessThanOrEqual(322); // 320 + borders
      }
    }
  }, 120_000);

  it('opens every shipped flow at zoom ≥ 0.75 in a 1440×900 window, titles readable', async () => {
    const page = await openEditor(h);
    for (const id of shipped) {
      await page.goto(`${h.server.url}/?flow=${id}`);
      await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined);
      expect(await zoomOf(page), id).toBeGreaterThanOrEqual(0.75);
      const title = page.locator('.anode-title').first();
      const px = await title.evaluate((el) => el.getBoundingClientRect().height);
      expect(px, `${id}: title height on screen`).toBeGreaterThanOrEqual(11);
      await screenshot(page, `layout-open-${id}`);
    }
  }, 120_000);

  it('shows every node in the minimap coloured by its run status; dragging the minimap pans, its wheel zooms', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    const minimap = page.getByRole('img', { name: 'Minimap' });
    const fills = () => minimap.locator('path.react-flow__minimap-node').evaluateAll((paths) => paths.map((p) => `${(p as SVGPathElement).style.fill} ${(p.getAttribute('d')!.match(/M/g) ?? []).length}`));
    // Before a run: one idle-coloured path holding the six nodes' rectangles.
    expect(await fills()).toEqual(['rgb(100, 116, 139) 6']);

    const viewport = () => page.evaluate(() => document.querySelector('.react-flow__viewport')!.getAttribute('style'));
    const before = await viewport();
    const box = (await minimap.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 10, { steps: 3 });
    await page.mouse.up();
    await expect.poll(viewport).not.toBe(before);
    const zoom = await zoomOf(page);
    await page.mouse.wheel(0, -200);
    await expect.poll(() => zoomOf(page)).toBeGreaterThan(zoom);

    expect(await runAndWait(page)).toBe('succeeded');
    // After the run every node is succeeded or cached: no idle colour left.
    await expect.poll(async () => (await fills()).every((f) => f.startsWith('rgb(34, 197, 94)') || f.startsWith('rgb(20, 184, 166)'))).toBe(true);
    expect((await fills()).reduce((sum, f) => sum + Number(f.split(' ').pop()), 0)).toBe(6);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('puts nodes added by search, paste and duplicate in free space', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    // Double-click on top of a node's spot: the search adds the node beside it, not over it.
    const crop = (await page.locator('[data-node-id="crop"]').boundingBox())!;
    await page.locator('.react-flow__pane').dispatchEvent('dblclick', { clientX: crop.x + 10, clientY: crop.y + 10, bubbles: true });
    // Ranked: "sam" offers the segmenter first (Load image's description says "sample").
    await page.getByRole('searchbox', { name: 'Search nodes' }).fill('sam');
    expect(await page.getByRole('dialog', { name: 'Add node' }).getByRole('option').first().textContent()).toMatch(/SAM/);
    const popup = (await page.getByRole('dialog', { name: 'Add node' }).boundingBox())!;
    const inspector = (await page.locator('aside[data-panel="right"]').boundingBox())!;
    expect(popup.x + popup.width, 'the popup stays off the inspector').toBeLessThanOrEqual(inspector.x);
    await page.getByRole('searchbox', { name: 'Search nodes' }).fill('resize');
    await page.keyboard.press('Enter');
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(7);
    const [added] = await page.evaluate(() => window.__atelier!.store.getState().selection);
    const addedId = added ?? (await nodeIds(page)).at(-1)!;
    await selectNode(page, addedId);
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await page.keyboard.press('Control+d');
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(9);
    expect(pane.width).toBeGreaterThan(0);
    const boxes = await renderedBoxes(page);
    expect(overlapping(boxes)).toEqual([]);
    await screenshot(page, 'layout-free-space');
  }, 60_000);

  it('hides and resizes the side panels, remembered after a reload; the toolbar fits 1024×700', async () => {
    const page = await openEditor(h, '?flow=segment-to-3d', { width: 1024, height: 700 });
    const toolbar = page.getByRole('toolbar', { name: 'Editor toolbar' });
    const bar = (await toolbar.boundingBox())!;
    expect(bar.height, 'one row').toBeLessThan(48);
    for (const name of ['New', 'Save', 'Import', 'Export', 'Undo', 'Fit view', 'Auto-layout', 'Group', 'Note', 'Run', 'Cancel', 'API']) {
      const b = (await toolbar.getByRole('button', { name, exact: true }).boundingBox())!;
      expect(b.x + b.width, `${name} inside the window`).toBeLessThanOrEqual(1024);
    }
    await screenshot(page, 'layout-1024');

    const canvasWidth = async () => (await page.locator('.canvas-area').boundingBox())!.width;
    const before = await canvasWidth();
    await page.getByRole('button', { name: 'Hide side panel' }).click();
    await page.getByRole('button', { name: 'Hide inspector' }).click();
    const wide = await canvasWidth();
    expect(wide).toBeGreaterThan(before + 400);
    await page.getByRole('button', { name: 'Show inspector' }).click();
    // Drag the inspector's edge 120 px to the left: it gets 120 px wider.
    const handle = (await page.getByRole('separator', { name: 'Resize inspector' }).boundingBox())!;
    const inspectorBefore = (await page.locator('aside[data-panel="right"]').boundingBox())!.width;
    await page.mouse.move(handle.x + 3, handle.y + 200);
    await page.mouse.down();
    await page.mouse.move(handle.x - 117, handle.y + 200, { steps: 6 });
    await page.mouse.up();
    const inspectorAfter = (await page.locator('aside[data-panel="right"]').boundingBox())!.width;
    expect(Math.round(inspectorAfter - inspectorBefore)).toBe(120);
    await screenshot(page, 'layout-panels');

    await page.reload();
    await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined);
    expect(await page.locator('aside[data-panel="left"]').count()).toBe(0);
    expect(Math.round((await page.locator('aside[data-panel="right"]').boundingBox())!.width)).toBe(Math.round(inspectorAfter));
    await page.getByRole('button', { name: 'Show side panel' }).click();
    expect(await page.locator('aside[data-panel="left"]').count()).toBe(1);
    expect((await flowOf(page)).nodes.length).toBeGreaterThan(0);
  }, 60_000);
});
