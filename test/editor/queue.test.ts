// Queue: Run while a run is going queues another; the Runs tab lists queued and running runs with Cancel.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { hasChromium, screenshot } from './browser';
import { api, nodeEl, openEditor, startHarness, type Harness } from './harness';
import { releaseWaitNodes, resetWaitNodes, testWait } from './wait-node';

describe.skipIf(!hasChromium)('run queue', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ nodes: [testWait] });
  }, 180_000);
  afterEach(async () => {
    releaseWaitNodes();
    for (const page of h?.context.pages() ?? []) await page.close();
  });
  afterAll(async () => h?.close());

  it('queues a second run while one is going, lists both with Cancel, and cancels one', async () => {
    resetWaitNodes();
    const flow: Flow = {
      format: 'atelier.flow/1',
      name: 'Queue me',
      revision: 0,
      inputs: {},
      outputs: {},
      nodes: [{ id: 'w', type: 'test.wait', position: { x: 0, y: 0 }, params: { label: '' } }],
      edges: [],
    };
    const { json: created } = await api<{ id: string }>(h, 'POST', '/api/flows', flow);
    const page = await openEditor(h, `?flow=${created.id}`);
    const runButton = page.getByRole('button', { name: 'Run', exact: true });
    await runButton.click();
    await expect.poll(() => nodeEl(page, 'w').getAttribute('data-status')).toBe('running');
    const first = await page.evaluate(() => window.__atelier!.store.getState().run!.id);
    expect(await runButton.isEnabled()).toBe(true);
    await runButton.click();
    await expect.poll(() => page.evaluate(() => window.__atelier!.store.getState().run!.id)).not.toBe(first);
    const second = await page.evaluate(() => window.__atelier!.store.getState().run!.id);

    await page.getByRole('tab', { name: 'Runs' }).click();
    const queue = page.getByRole('region', { name: 'Run queue' });
    await expect.poll(() => queue.locator('[data-queue-run]').count()).toBe(2);
    await screenshot(page, 'queue-01-two-runs');
    await queue.getByRole('button', { name: `Cancel run ${first}` }).click();
    await expect.poll(async () => (await api<{ status: string }>(h, 'GET', `/api/runs/${first}`)).json.status).toBe('cancelled');
    await expect.poll(() => queue.locator('[data-queue-run]').count(), { timeout: 10_000 }).toBe(1);

    releaseWaitNodes();
    await expect.poll(async () => (await api<{ status: string }>(h, 'GET', `/api/runs/${second}`)).json.status, { timeout: 15_000 }).toBe('succeeded');
    await expect.poll(() => queue.count(), { timeout: 10_000 }).toBe(0);
  }, 90_000);
});
