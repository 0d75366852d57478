// Keys made plain: which providers lack keys, marked in the palette and on the canvas, a Providers
// panel with Reload configuration, and a Problems panel before Run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, screenshot } from './browser';
import { api, nodeEl, nodeIds, openEditor, startHarness, type Harness } from './harness';

describe.skipIf(!hasChromium)('keys and problems before Run', () => {
  let h: Harness;
  let dir: string;
  let envFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atelier-env-'));
    envFile = join(dir, '.env');
    writeFileSync(envFile, '# no keys yet\n');
    h = await startHarness({ env: { ATELIER_ENV_FILE: envFile } });
  }, 180_000);
  afterEach(async () => {
    for (const page of h?.context.pages() ?? []) await page.close();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks providers without keys in the palette, the Keys tab and on the canvas; Reload configuration picks up .env', async () => {
    writeFileSync(envFile, '# no keys yet\n');
    await api(h, 'POST', '/api/providers/reload');
    const providers = (await api<Array<{ id: string; configured: boolean; missing?: string[] }>>(h, 'GET', '/api/providers')).json;
    const openai = providers.find((p) => p.id === 'openai')!;
    expect(openai.configured).toBe(false);

    const page = await openEditor(h);
    // The palette marks every node type whose provider has no key (found from the server's preflight, not by name).
    await expect.poll(() => page.locator('.palette-item[data-missing-key="true"]').count()).toBeGreaterThan(0);
    const marked = await page.locator('.palette-item[data-missing-key="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type')!));
    expect(marked.some((t) => t.startsWith('openai.'))).toBe(true);
    expect(marked).not.toContain('image.load');

    await page.getByRole('tab', { name: /Keys/ }).click();
    const row = page.locator('[data-provider="openai"]');
    expect(await row.getAttribute('data-configured')).toBe('false');
    expect(await row.textContent()).toContain(openai.missing![0]);
    await screenshot(page, 'keys-01-providers');

    // A provider node on the canvas carries the mark, and the Problems panel lists the missing key before any Run.
    const type = marked.find((t) => t.startsWith('openai.'))!;
    await page.getByRole('tab', { name: 'Nodes' }).click();
    await page.locator(`.palette-item[data-node-type="${type}"]`).click();
    const [id] = await nodeIds(page);
    await expect.poll(() => nodeEl(page, id).locator('[data-badge="missing-key"]').count()).toBe(1);
    const problems = page.getByRole('region', { name: 'Problems' });
    await expect.poll(() => problems.getAttribute('data-problem-count').then(Number)).toBeGreaterThan(0);
    await problems.locator('.problems-head').click();
    expect(await problems.locator(`[data-problem-code="credentials"][data-problem-node="${id}"]`).textContent()).toContain(openai.missing![0]);
    expect((await api<unknown[]>(h, 'GET', '/api/runs')).json).toEqual([]);
    await screenshot(page, 'keys-02-problems');

    // Keys added to .env count after Reload configuration, without a restart.
    writeFileSync(envFile, `${openai.missing![0]}=sk-test-not-real\n`);
    await page.getByRole('tab', { name: /Keys/ }).click();
    await page.getByRole('button', { name: 'Reload configuration' }).click();
    await expect.poll(() => row.getAttribute('data-configured')).toBe('true');
    await expect.poll(() => nodeEl(page, id).locator('[data-badge="missing-key"]').count()).toBe(0);
    await expect.poll(() => page.locator(`.palette-item[data-node-type="${type}"][data-missing-key]`).count()).toBe(0);
    expect(page.errors).toEqual([]);
  }, 90_000);

  it('lists every problem as the flow is edited and focuses the node on click', async () => {
    const page = await openEditor(h);
    // A node with a required input left unconnected: a problem before Run.
    await page.locator('.palette-item').filter({ hasText: 'Resize image' }).click();
    const [id] = await nodeIds(page);
    const problems = page.getByRole('region', { name: 'Problems' });
    await expect.poll(() => problems.getAttribute('data-problem-count').then(Number)).toBeGreaterThan(0);
    await problems.locator('.problems-head').click();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().selection)).toEqual([]);
    await problems.locator(`[data-problem-node="${id}"] button`).first().click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().selection)).toEqual([id]);
    // Deleting the node clears its problems.
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('[data-problem-node]').count()).toBe(0);
  }, 60_000);
});
