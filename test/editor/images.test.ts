// Images in, the ways people expect: upload in the inspector, pick from the gallery, drop files
// on the canvas, paste, and Import given an image.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, screenshot } from './browser';
import { flowOf, nodeEl, nodeIds, openEditor, runAndWait, selectNode, useHarness } from './harness';

const chelsea = readFileSync('flows/assets/chelsea.png');
const astronaut = readFileSync('flows/assets/astronaut.png');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The catalog's image-loading node type, found the way the editor finds it: by its declared widget hint. */
async function loaderType(page: Page): Promise<{ type: string; param: string }> {
  return page.evaluate(() => {
    for (const n of window.__atelier!.store.getState().catalog!.nodes) {
      const param = Object.entries(n.params.properties ?? {}).find(([, s]) => s.widget === 'image-upload')?.[0];
      if (param && Object.keys(n.inputs).length === 0) return { type: n.type, param };
    }
    throw new Error('no image-upload node in the catalog');
  });
}

/** Files as the page sees them (a DataTransfer), built from bytes sent over as base64. */
async function dispatchFiles(page: Page, kind: 'drop' | 'paste', files: Array<{ name: string; bytes: Buffer }>, at: { x: number; y: number }): Promise<void> {
  await page.mouse.move(at.x, at.y);
  await page.evaluate(
    ({ kind, files, at }) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' }));
      if (kind === 'paste') {
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        return;
      }
      const target = document.elementFromPoint(at.x, at.y)!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, clientX: at.x, clientY: at.y, bubbles: true, cancelable: true }));
    },
    { kind, files: files.map((f) => ({ name: f.name, b64: f.bytes.toString('base64') })), at },
  );
}

async function paneCentre(page: Page): Promise<{ x: number; y: number }> {
  const box = (await page.locator('.react-flow__pane').boundingBox())!;
  return { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
}

const toFlow = (page: Page, p: { x: number; y: number }) =>
  page.evaluate((p) => {
    const [tx, ty, zoom] = [...document.querySelector('.react-flow__viewport')!.getAttribute('style')!.matchAll(/-?[\d.]+/g)].map((m) => Number(m[0]));
    const pane = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
    return { x: (p.x - pane.left - tx) / zoom, y: (p.y - pane.top - ty) / zoom };
  }, p);

describe.skipIf(!hasChromium)('images into the editor', () => {
  const h = useHarness();

  it('uploads through the Load image inspector and picks an image from recent uploads', async () => {
    const page = await openEditor(h);
    const loader = await loaderType(page);
    await page.locator(`.palette-item[data-node-type="${loader.type}"]`).click();
    const [id] = await nodeIds(page);
    await selectNode(page, id);
    const zone = page.locator('.inspector [data-widget="image-upload"]');
    await expect.poll(() => zone.locator('.current-image').textContent()).toContain('No image yet');

    await zone.locator('input[type="file"]').setInputFiles({ name: 'my-cat.png', mimeType: 'image/png', buffer: chelsea });
    const param = () => page.evaluate(([nodeId, p]) => window.__atelier!.store.getState().nodes.find((n) => n.id === nodeId)!.data.params[p], [id, loader.param]);
    await expect.poll(param).toBe(sha(chelsea));
    const current = zone.locator('img.current-image');
    await expect.poll(() => current.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'images-01-uploaded');

    // The upload is in the gallery under the file's name; picking another recent image switches to it.
    const other = await fetch(`${h.server.url}/api/uploads?prompt=astronaut`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: astronaut });
    expect(other.status).toBe(201);
    await zone.getByRole('button', { name: 'Choose…' }).click();
    const choice = page.locator(`.image-picker .image-choice[data-hash="${sha(astronaut)}"]`);
    await expect.poll(() => choice.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator(`.image-picker .image-choice[data-hash="${sha(chelsea)}"]`).count()).toBe(1);
    await screenshot(page, 'images-02-picker');
    await choice.click();
    await expect.poll(param).toBe(sha(astronaut));
    expect(await page.locator('.image-picker').count()).toBe(0);

    // One undo step goes back to the first upload.
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await expect.poll(param).toBe(sha(chelsea));
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('drops image files on the canvas: one load node per file at the drop point, ready to run', async () => {
    const page = await openEditor(h);
    const loader = await loaderType(page);
    const at = await paneCentre(page);
    const expected = await toFlow(page, at);
    await dispatchFiles(page, 'drop', [{ name: 'cat.png', bytes: chelsea }, { name: 'astronaut.png', bytes: astronaut }], at);
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(2);
    const flow = await flowOf(page);
    expect(flow.nodes.map((n) => [n.type, n.params[loader.param]])).toEqual([
      [loader.type, sha(chelsea)],
      [loader.type, sha(astronaut)],
    ]);
    expect(Math.abs(flow.nodes[0].position.x - expected.x)).toBeLessThan(2);
    expect(Math.abs(flow.nodes[0].position.y - expected.y)).toBeLessThan(2);
    expect(flow.nodes[1].position.y).toBeGreaterThan(flow.nodes[0].position.y);
    expect(await page.locator('[data-unsaved]').count()).toBe(1);

    // The nodes load the dropped images as they are.
    expect(await runAndWait(page)).toBe('succeeded');
    const record = await page.evaluate(() => window.__atelier!.store.getState().run!.nodes);
    expect((record[flow.nodes[0].id].outputs!.image as { artifact: string }).artifact).toBe(sha(chelsea));
    await expect.poll(() => nodeEl(page, flow.nodes[0].id).locator('.thumb img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'images-03-dropped');

    // Ctrl+Z removes both in one step.
    await page.keyboard.press('Control+z');
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(0);
  }, 60_000);

  it('pastes image data at the cursor, and still pastes copied nodes', async () => {
    const page = await openEditor(h);
    const loader = await loaderType(page);
    const centre = await paneCentre(page);
    const at = { x: centre.x - 200, y: centre.y - 100 };
    const expected = await toFlow(page, at);
    await dispatchFiles(page, 'paste', [{ name: 'image.png', bytes: chelsea }], at);
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(1);
    const [node] = (await flowOf(page)).nodes;
    expect(node.type).toBe(loader.type);
    expect(node.params[loader.param]).toBe(sha(chelsea));
    expect(Math.abs(node.position.x - expected.x)).toBeLessThan(2);
    expect(Math.abs(node.position.y - expected.y)).toBeLessThan(2);

    // Without image data, Ctrl+V pastes the copied nodes as before.
    await selectNode(page, node.id);
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(2);
  }, 60_000);

  it('imports an image as a load node into the open flow, and a .json as a flow', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    const loader = await loaderType(page);
    const before = (await flowOf(page)).nodes.length;
    await page.locator('input[aria-label="Import flow file or image"]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: chelsea });
    await expect.poll(() => nodeIds(page).then((ids) => ids.length)).toBe(before + 1);
    const flow = await flowOf(page);
    expect(flow.name).not.toBe('');
    expect(flow.nodes.at(-1)).toMatchObject({ type: loader.type, params: { [loader.param]: sha(chelsea) } });
    expect(await page.locator('.toast-error').count()).toBe(0);
    await screenshot(page, 'images-04-imported-image');
  }, 60_000);
});
