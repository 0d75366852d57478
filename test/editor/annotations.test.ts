// Organising the canvas: a group around nodes and a sticky note, saved with the flow, back after a
// reload; dragging the group by its title carries its nodes along.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, screenshot } from './browser';
import { api, flowOf, nodeEl, openEditor, useHarness, waitDrawn } from './harness';

const positions = (page: Page) =>
  page.evaluate(() => Object.fromEntries(window.__atelier!.store.getState().nodes.map((n) => [n.id, { ...n.position }])));
const annotations = (page: Page) => page.evaluate(() => window.__atelier!.store.getState().annotations);

/** A point on empty canvas (the pane itself is under it), scanning the canvas's lower right part. */
async function emptyCanvasPoint(page: Page): Promise<{ x: number; y: number }> {
  const point = await page.evaluate(() => {
    const box = document.querySelector('.canvas')!.getBoundingClientRect();
    for (let y = box.bottom - 150; y > box.top + 40; y -= 30)
      for (let x = box.right - 200; x > box.left + 40; x -= 30)
        if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return { x, y };
    return null;
  });
  expect(point, 'some empty canvas').not.toBeNull();
  return point!;
}

describe.skipIf(!hasChromium)('groups and sticky notes', () => {
  const h = useHarness();

  it('a group around two nodes and a note survive save and reload; dragging the group moves its nodes', async () => {
    const flow = (await api<Flow>(h, 'GET', '/api/flows/local-image-pipeline')).json;
    const id = (await api<{ id: string }>(h, 'POST', '/api/flows', { ...flow, name: 'Organised pipeline', revision: 0 })).json.id;
    const page = await openEditor(h, `?flow=${id}`);

    // Group: select two nodes, press Group, rename it.
    await nodeEl(page, 'load').locator('.anode-title').click();
    await nodeEl(page, 'crop').locator('.anode-title').click({ modifiers: ['Shift'] });
    await page.getByRole('button', { name: 'Group', exact: true }).click();
    const group = page.locator('.group-frame');
    await expect.poll(() => group.count()).toBe(1);
    await group.locator('.group-title').dblclick();
    await page.getByRole('textbox', { name: 'Group title' }).fill('Inputs');
    await page.keyboard.press('Enter');
    await expect.poll(() => group.locator('.group-title-text').textContent()).toBe('Inputs');

    // Note: right-click empty canvas, "Add note here", type.
    const spot = await emptyCanvasPoint(page);
    await page.mouse.click(spot.x, spot.y, { button: 'right' });
    await page.getByRole('menuitem', { name: 'Add note here' }).click();
    const note = page.getByRole('textbox', { name: 'Note text' });
    await note.fill('Crop first, then mask');
    await screenshot(page, 'annotations-01-group-and-note');

    await page.keyboard.press('Control+s');
    await expect.poll(async () => (await api<Flow>(h, 'GET', `/api/flows/${id}`)).json.annotations?.length).toBe(2);
    const saved = (await api<Flow>(h, 'GET', `/api/flows/${id}`)).json;
    expect(saved.annotations!.find((a) => a.kind === 'group')).toMatchObject({ title: 'Inputs' });
    expect(saved.annotations!.find((a) => a.kind === 'note')).toMatchObject({ text: 'Crop first, then mask' });
    expect(saved.nodes.map((n) => n.id).sort()).toEqual(flow.nodes.map((n) => n.id).sort());

    await page.reload();
    await waitDrawn(page);
    await expect.poll(() => page.locator('.group-title-text').textContent()).toBe('Inputs');
    expect(await page.getByRole('textbox', { name: 'Note text' }).inputValue()).toBe('Crop first, then mask');
    expect((await flowOf(page)).annotations).toEqual(saved.annotations);

    // Drag the group by its title: the nodes inside move with it, the others stay.
    const before = await positions(page);
    const groupBefore = (await annotations(page)).find((a) => a.kind === 'group')!.position;
    const title = (await page.locator('.group-title').boundingBox())!;
    await page.mouse.move(title.x + 40, title.y + title.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(title.x + 40 + 12 * i, title.y + title.height / 2 + 8 * i);
    await page.mouse.up();
    const after = await positions(page);
    const groupAfter = (await annotations(page)).find((a) => a.kind === 'group')!.position;
    const moved = { x: groupAfter.x - groupBefore.x, y: groupAfter.y - groupBefore.y };
    expect(Math.abs(moved.x)).toBeGreaterThan(50);
    for (const inside of ['load', 'crop']) {
      expect(after[inside].x - before[inside].x).toBeCloseTo(moved.x, 5);
      expect(after[inside].y - before[inside].y).toBeCloseTo(moved.y, 5);
    }
    for (const outside of ['resize', 'mask', 'apply', 'out']) expect(after[outside]).toEqual(before[outside]);
    await screenshot(page, 'annotations-02-group-dragged');

    // Resize: the selected group's corner handle makes it larger; delete the note from its menu.
    const size = (await annotations(page)).find((a) => a.kind === 'group')!.size;
    const corner = (await page.locator('.annotation-group .react-flow__resize-control.bottom.right').boundingBox())!;
    await page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(corner.x + corner.width / 2 + 16 * i, corner.y + corner.height / 2 + 10 * i);
    await page.mouse.up();
    const resized = (await annotations(page)).find((a) => a.kind === 'group')!.size;
    expect(resized.width).toBeGreaterThan(size.width + 40);
    expect(resized.height).toBeGreaterThan(size.height + 20);
    await page.locator('.note-strip').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Delete note' }).click();
    await expect.poll(async () => (await annotations(page)).map((a) => a.kind)).toEqual(['group']);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await annotations(page)).length).toBe(2);
    await page.keyboard.press('Control+z');
    expect((await annotations(page)).find((a) => a.kind === 'group')!.size).toEqual(size);

    // Undo puts group and nodes back in one step.
    await page.keyboard.press('Control+z');
    expect((await positions(page)).load).toEqual(before.load);
    expect((await annotations(page)).find((a) => a.kind === 'group')!.position).toEqual(groupBefore);
    expect(page.errors).toEqual([]);
  }, 90_000);
});
