// Never lose work: the unload prompt, drafts offered back after a reload or crash, Save in the
// unsaved-switch dialog.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, screenshot } from './browser';
import { api, flowOf, nodeIds, openEditor, useHarness, waitDrawn } from './harness';

const drafts = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('atelier.draft:')));
const dirty = (page: Page) => page.evaluate(() => window.__atelier!.store.getState().dirty);

describe.skipIf(!hasChromium)('unsaved work', () => {
  const h = useHarness();

  /** A saved flow of this test's own (so tests share no draft). */
  async function ownFlow(name: string): Promise<string> {
    const flow = (await api<Flow>(h, 'GET', '/api/flows/local-image-pipeline')).json;
    return (await api<{ id: string }>(h, 'POST', '/api/flows', { ...flow, name, revision: 0 })).json.id;
  }

  it('asks before leaving with unsaved changes and offers them back after the reload', async () => {
    const page = await openEditor(h);
    await page.evaluate(() => localStorage.clear());
    await page.locator('.palette-item').first().click();
    await page.locator('.flow-name').fill('Not saved yet');
    expect(await dirty(page)).toBe(true);
    const before = await flowOf(page);

    await page.reload();
    await waitDrawn(page);
    expect(page.dialogs).toContain('beforeunload');
    const offer = page.getByRole('status', { name: 'Unsaved changes found' });
    await expect.poll(() => offer.textContent()).toMatch(/Restore unsaved changes from \d{1,2}:\d{2}/);
    expect(await nodeIds(page)).toEqual([]);
    await screenshot(page, 'drafts-01-offer');
    await offer.getByRole('button', { name: 'Restore' }).click();
    expect(await flowOf(page)).toEqual(before);
    expect(await dirty(page)).toBe(true);
    expect(await page.locator('[data-unsaved]').count()).toBe(1);
    expect(await offer.count()).toBe(0);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it("keeps a saved flow's changes through a crash (no unload) and can drop them instead", async () => {
    const id = await ownFlow('Crash test');
    const page = await openEditor(h, `?flow=${id}`);
    await page.locator('.flow-name').fill('Edited before the crash');
    await expect.poll(() => drafts(page)).toContain(`atelier.draft:${id}`);
    const revision = (await flowOf(page)).revision;
    await page.close(); // no beforeunload: as when the tab or browser crashes

    const again = await openEditor(h, `?flow=${id}`);
    expect(await again.locator('.flow-name').inputValue()).toBe('Crash test');
    const offer = again.getByRole('status', { name: 'Unsaved changes found' });
    await offer.getByRole('button', { name: 'Restore' }).click();
    expect(await again.locator('.flow-name').inputValue()).toBe('Edited before the crash');
    // Restored onto the revision it was based on, so saving is an ordinary save.
    expect((await flowOf(again)).revision).toBe(revision);
    await again.keyboard.press('Control+s');
    await expect.poll(async () => (await api<Flow>(h, 'GET', `/api/flows/${id}`)).json.name).toBe('Edited before the crash');
    await expect.poll(() => dirty(again)).toBe(false); // the editor has the save's answer too
    await expect.poll(() => drafts(again)).not.toContain(`atelier.draft:${id}`);

    // Discard drops a draft for good.
    await again.locator('.flow-name').fill('Edited, then dropped');
    await expect.poll(() => drafts(again)).toContain(`atelier.draft:${id}`);
    await again.close();
    const third = await openEditor(h, `?flow=${id}`);
    await third.getByRole('status', { name: 'Unsaved changes found' }).getByRole('button', { name: 'Discard' }).click();
    expect(await third.locator('.flow-name').inputValue()).toBe('Edited before the crash');
    expect(await drafts(third)).not.toContain(`atelier.draft:${id}`);
    expect(await dirty(third)).toBe(false);
  }, 60_000);

  it('keeps an edit made while a save is in flight unsaved (dirty, kept as a draft)', async () => {
    const id = await ownFlow('Typed during save');
    const page = await openEditor(h, `?flow=${id}`);
    await page.locator('.flow-name').fill('Sent to the server');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let saveArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (saveArrived = resolve));
    await page.route(`**/api/flows/${id}`, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      saveArrived();
      await held;
      await route.continue();
    });
    const revision = () => page.evaluate(() => window.__atelier!.store.getState().meta.revision);
    const before = await revision();
    await page.keyboard.press('Control+s');
    await arrived;
    await page.locator('.flow-name').fill('Typed while saving');
    release();
    await expect.poll(async () => (await api<Flow>(h, 'GET', `/api/flows/${id}`)).json.name).toBe('Sent to the server');
    await expect.poll(revision).toBe(before + 1); // the editor has the save's answer
    expect(await dirty(page)).toBe(true);
    // The draft written before the save said 'Sent to the server': the edit's draft replaces it.
    const draftName = () => page.evaluate((key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { flow: Flow } | null)?.flow.name, `atelier.draft:${id}`);
    await expect.poll(draftName).toBe('Typed while saving');
    // The next save is an ordinary one, onto the revision just saved.
    await page.keyboard.press('Control+s');
    await expect.poll(async () => (await api<Flow>(h, 'GET', `/api/flows/${id}`)).json.name).toBe('Typed while saving');
    await expect.poll(() => dirty(page)).toBe(false);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('offers Save when switching away from unsaved changes', async () => {
    const id = await ownFlow('Switch test');
    const page = await openEditor(h, `?flow=${id}`);
    await page.locator('.flow-name').fill('Saved on the way out');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Unsaved changes' });
    await dialog.waitFor();
    await screenshot(page, 'drafts-02-switch-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => nodeIds(page)).toEqual([]);
    expect((await api<Flow>(h, 'GET', `/api/flows/${id}`)).json.name).toBe('Saved on the way out');
    expect(await dirty(page)).toBe(false);
  }, 60_000);
});
