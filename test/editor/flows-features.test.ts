// Flows as building blocks in the editor: drop an Atelier PNG to get its flow back, make a subflow
// from a selection (its node follows the run), sweep a flow input into a results grid compared with
// the viewer's slider, see what a run cost (provider fakes), templates with previews.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow } from '../helpers/flow-builder';
import { startProviderFakes, type ProviderFakes } from '../providers/harness';
import { hasChromium, screenshot } from './browser';
import { releaseWaitNodes, resetWaitNodes, testWait } from './wait-node';
import { api, flowOf, nodeEl, nodeIds, openEditor, runAndWait, startHarness, type Harness } from './harness';

async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  const box = (await page.locator('.react-flow__pane').boundingBox())!;
  const at = { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
  await page.evaluate(
    ({ name, b64, at }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'image/png' }));
      const target = document.elementFromPoint(at.x, at.y)!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, clientX: at.x, clientY: at.y, bubbles: true, cancelable: true }));
    },
    { name, b64: bytes.toString('base64'), at },
  );
}

const artifactHashes = (value: unknown): string[] =>
  JSON.stringify(value).match(/"artifact":"([0-9a-f]{64})"/g)?.map((m) => m.slice(12, 76)) ?? [];

describe.skipIf(!hasChromium)('flows as building blocks in the editor', () => {
  let h: Harness;
  let fakes: ProviderFakes;
  beforeAll(async () => {
    fakes = await startProviderFakes();
    h = await startHarness({ env: fakes.env, nodes: [testWait] });
  }, 180_000);
  afterEach(async () => {
    for (const page of h?.context.pages() ?? []) await page.close();
  });
  afterAll(async () => {
    await h?.close();
    await fakes?.close();
  });

  it('opens the flow an Atelier PNG carries, with the inputs it ran with, when the PNG is dropped', async () => {
    const run = await api(h, 'POST', '/api/runs?wait=1', { flowId: 'local-image-pipeline', inputs: { width: 96 } });
    expect(run.json.status).toBe('succeeded');
    const [hash] = artifactHashes(run.json.outputs);
    expect(hash).toBeDefined();
    const png = Buffer.from(await (await fetch(`${h.server.url}/api/artifacts/${hash}?download=1&run=${run.json.id ?? run.json.runId}`)).arrayBuffer());

    const page = await openEditor(h);
    expect(await nodeIds(page)).toEqual([]);
    await dropFile(page, 'cutout.png', png);
    await expect.poll(async () => (await nodeIds(page)).sort()).toEqual(['apply', 'crop', 'load', 'mask', 'out', 'resize']);
    const flow = await flowOf(page);
    expect(flow.name).toBe('Local image pipeline');
    expect(flow.nodes.find((n) => n.id === 'resize')!.params.width).toBe(96);
    await screenshot(page, 'flows-01-dropped-png');

    // A plain PNG (no flow chunk) stays an image: it becomes a load node in the open flow.
    const plain = Buffer.from(await (await fetch(`${h.server.url}/api/artifacts/${hash}`)).arrayBuffer());
    const before = (await nodeIds(page)).length;
    await dropFile(page, 'plain.png', plain);
    await expect.poll(async () => (await nodeIds(page)).length).toBe(before + 1);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('makes a subflow from two selected nodes, wires it to their neighbours, and runs it', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    page.setDefaultTimeout(10_000);
    await page.evaluate(() => window.__atelier!.store.setState({ selection: ['crop', 'resize'] }));
    await nodeEl(page, 'resize').dispatchEvent('contextmenu', { clientX: 300, clientY: 200 });
    await page.getByRole('menuitem', { name: 'Make subflow (2 nodes)' }).click();

    await expect.poll(async () => (await flowOf(page)).nodes.map((n) => n.type).find((t) => t.startsWith('flow:'))).toBeDefined();
    const outer = await flowOf(page);
    const sub = outer.nodes.find((n) => n.type.startsWith('flow:'))!;
    expect(outer.nodes.map((n) => n.id).sort()).toEqual(['apply', 'load', 'mask', 'out', sub.id].sort());
    expect(outer.edges.filter((e) => e.target === sub.id).map((e) => `${e.source}.${e.sourceHandle}`)).toEqual(['load.image']);
    expect(outer.edges.filter((e) => e.source === sub.id).map((e) => e.target).sort()).toEqual(['apply', 'mask']);
    expect(outer.inputs.width).toEqual({ node: sub.id, param: 'width' });

    // The inner flow is saved with inputs and outputs from the cut edges, and is in the catalog.
    const inner = await api(h, 'GET', `/api/flows/${sub.type.slice('flow:'.length)}`);
    expect(inner.status).toBe(200);
    expect(inner.json.nodes.map((n: { id: string }) => n.id).sort()).toEqual(['crop', 'resize']);
    expect(Object.values(inner.json.inputs)).toContainEqual({ node: 'crop', port: 'image' });
    expect(Object.values(inner.json.outputs)).toEqual([{ node: 'resize', port: 'image' }]);
    expect(await page.evaluate((t) => !!window.__atelier!.store.getState().catalog!.byType.get(t), sub.type)).toBe(true);

    expect(await nodeEl(page, sub.id).getAttribute('data-status')).toBe('idle');
    expect(await runAndWait(page)).toBe('succeeded');
    await expect.poll(() => nodeEl(page, sub.id).locator('[data-subflow-progress]').getAttribute('data-subflow-progress')).toBe('2/2');
    // The subflow node's own status follows its inner nodes (it has no events of its own).
    expect(await nodeEl(page, sub.id).getAttribute('data-status')).toMatch(/^(succeeded|cached)$/);
    await screenshot(page, 'flows-02-subflow');
    expect(await page.evaluate(() => window.__atelier!.store.getState().run!.nodes.apply?.status)).toMatch(/succeeded|cached/);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('a subflow node shows running while its inner nodes run, then succeeded', async () => {
    const inner = buildFlow([['w', 'test.wait', { label: 'inner' }]], [], { name: 'Held', inputs: { label: { node: 'w', param: 'label' } }, outputs: { value: { node: 'w', port: 'value' } } });
    expect((await api(h, 'PUT', '/api/flows/held', { ...inner, revision: 0 })).status).toBe(200);
    const outer = buildFlow([['s', 'flow:held'], ['out', 'output', { name: 'result' }]], ['s.value -> out.value'], { name: 'Holds a subflow' });
    expect((await api(h, 'PUT', '/api/flows/holds-a-subflow', { ...outer, revision: 0 })).status).toBe(200);
    resetWaitNodes();
    try {
      const page = await openEditor(h, '?flow=holds-a-subflow');
      page.setDefaultTimeout(15_000);
      expect(await nodeEl(page, 's').getAttribute('data-status')).toBe('idle');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect.poll(() => nodeEl(page, 's').getAttribute('data-status')).toBe('running');
      expect(await nodeEl(page, 's').locator('[data-subflow-progress]').getAttribute('data-subflow-progress')).toBe('0/1');
      expect(await nodeEl(page, 'out').getAttribute('data-status')).toBe('queued');
      releaseWaitNodes();
      await expect.poll(() => nodeEl(page, 's').getAttribute('data-status')).toBe('succeeded');
      await expect.poll(() => nodeEl(page, 'out').getAttribute('data-status')).toBe('succeeded');
      expect(page.errors).toEqual([]);
    } finally {
      releaseWaitNodes();
    }
  }, 60_000);

  it('sweeps a flow input and shows one image per run in a grid, two picked cells side by side', async () => {
    const page = await openEditor(h, '?flow=local-image-pipeline');
    page.setDefaultTimeout(15_000);
    await page.getByRole('button', { name: 'Sweep width' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sweep width' });
    await dialog.getByLabel('Values for width').fill('64\n96\n128');
    await dialog.getByRole('button', { name: 'Run sweep' }).click();
    await expect.poll(() => dialog.locator('[data-batch-status]').getAttribute('data-batch-status'), { timeout: 30_000 }).toBe('succeeded');

    const cells = dialog.locator('.sweep-grid .sweep-cell');
    expect(await cells.count()).toBe(3);
    expect(await dialog.locator('.sweep-grid thead th').allTextContents()).toEqual(['64', '96', '128']);
    const widths = await cells.locator('img').evaluateAll(async (imgs: HTMLImageElement[]) => {
      await Promise.all(imgs.map((img) => (img.complete ? Promise.resolve() : new Promise((r) => img.addEventListener('load', r, { once: true })))));
      return imgs.map((img) => img.naturalWidth);
    });
    expect(widths).toHaveLength(3);
    expect(widths.every((w) => w > 0)).toBe(true);
    const runIds = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
    expect(new Set(runIds).size).toBe(3);

    await cells.nth(0).click();
    await cells.nth(2).click();
    // The two picks open in the image viewer with its A/B compare slider: A the first, B the second.
    const compare = dialog.locator('.sweep-compare');
    await expect.poll(() => compare.locator('img.large-view').count()).toBe(2);
    expect(await compare.locator('[data-compare-side]').allTextContents()).toEqual(['width=64', 'width=128']);
    expect(await compare.getByLabel('Compare with').inputValue()).toBe(`run:${runIds[2]}`);
    const b = compare.locator('img.compare-b');
    expect(await b.getAttribute('style')).toContain('inset(0px 0px 0px 50%)');
    await compare.getByLabel('Compare split').fill('20');
    await expect.poll(() => b.getAttribute('style')).toContain('inset(0px 0px 0px 20%)');
    const sources = await compare.locator('img.large-view').evaluateAll((imgs: HTMLImageElement[]) => imgs.map((i) => i.src));
    expect(new Set(sources).size).toBe(2);
    await screenshot(page, 'flows-03-sweep');
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('shows what each provider node cost, cached nodes at $0, unknown prices as unknown, and run costs in the Runs tab', async () => {
    const flow = buildFlow(
      [['p', 'text.prompt', { text: 'a lantern' }], ['im', 'google.imagen', { model: 'imagen-4.0-generate-001', seed: 5 }], ['hf', 'hf.text-to-image', { seed: 3 }], ['small', 'image.resize', { width: 8 }]],
      ['p.text -> im.prompt', 'p.text -> hf.prompt', 'im.image -> small.image'],
      { name: 'Priced lantern' },
    );
    const saved = await api(h, 'PUT', '/api/flows/priced-lantern', { ...flow, revision: 0 });
    expect(saved.status).toBe(200);
    const page = await openEditor(h, '?flow=priced-lantern');
    page.setDefaultTimeout(15_000);
    const cost = (id: string) => nodeEl(page, id).locator('[data-node-cost]');

    expect(await runAndWait(page)).toBe('succeeded');
    await expect.poll(() => cost('im').textContent()).toBe('$0.04');
    expect(await cost('hf').textContent()).toBe('cost unknown');
    expect(await cost('small').count()).toBe(0); // billed nothing: no label
    await screenshot(page, 'flows-05-cost');

    expect(await runAndWait(page)).toBe('succeeded');
    await expect.poll(() => cost('im').textContent()).toBe('$0 · cached');
    expect(await cost('hf').textContent()).toBe('$0 · cached');

    await page.getByRole('tab', { name: 'Runs' }).click();
    const rows = page.locator('[data-run-group="Priced lantern"] [data-run-id]');
    await expect.poll(() => rows.count()).toBe(2);
    // Newest first: the cached re-run billed $0; the first run's total is unknown (hf has no list price).
    await expect.poll(() => rows.locator('[data-run-cost]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-cost')))).toEqual(['$0', 'cost unknown']);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('lists templates with description and preview, and opens one as a new unsaved flow', async () => {
    const page = await openEditor(h);
    page.setDefaultTimeout(15_000);
    await page.getByRole('button', { name: 'From template' }).click();
    const dialog = page.getByRole('dialog', { name: 'New from template' });
    const card = dialog.locator('[data-template-id="local-image-pipeline"]');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('Runs offline with no keys');
    const ids = await dialog.locator('[data-template-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-template-id')));
    const listed = await api<Array<{ id: string }>>(h, 'GET', '/api/templates');
    expect(ids).toEqual(listed.json.map((t) => t.id));
    // Every shipped template shows its preview image on a fresh install (no run needed).
    const previews = await dialog.locator('[data-template-id]').evaluateAll(async (cards) =>
      Promise.all(
        cards.map(async (card) => {
          card.scrollIntoView();
          const img = card.querySelector('img');
          if (!img) return `${card.getAttribute('data-template-id')}: no image`;
          if (!img.complete) await new Promise((r) => (img.addEventListener('load', r, { once: true }), img.addEventListener('error', r, { once: true })));
          return `${card.getAttribute('data-template-id')}: ${img.naturalWidth}`;
        }),
      ),
    );
    expect(previews).toEqual(ids.map((id) => `${id}: 256`));
    expect(await dialog.getByText('no preview yet').count()).toBe(0);
    await screenshot(page, 'flows-04-templates');

    await card.click();
    await expect.poll(async () => (await nodeIds(page)).length).toBeGreaterThan(0);
    const state = await page.evaluate(() => {
      const s = window.__atelier!.store.getState();
      return { flowId: s.flowId, dirty: s.dirty, name: s.meta.name };
    });
    expect(state).toEqual({ flowId: null, dirty: true, name: 'Local image pipeline' });
    const flow = await flowOf(page);
    expect((flow as { template?: boolean }).template).toBeUndefined();
    expect(flow.inputs.width).toEqual({ node: 'resize', param: 'width' });

    // The open flow saved as a template is listed next time.
    await page.evaluate(() => window.__atelier!.store.setState((s) => ({ meta: { ...s.meta, name: 'My cutout template' } })));
    await page.getByRole('button', { name: 'From template' }).click();
    const before = await api<Array<{ id: string }>>(h, 'GET', '/api/templates');
    await dialog.getByRole('button', { name: 'Save this flow as a template' }).click();
    await expect.poll(() => dialog.locator('[data-template-id]').count()).toBe(before.json.length + 1);
    expect(await dialog.locator('.template-card b').allTextContents()).toContain('My cutout template');
    expect(page.errors).toEqual([]);
  }, 60_000);
});
