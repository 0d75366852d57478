// The image/3D workspace in a real browser (Chromium + SwiftShader WebGL2) against a real server with
// no keys: click-to-segment on the offline sample, run, 3D viewer, overlay, drag, Reset alignment.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';
import { ensureEditorBuilt, hasChromium, launchWebGLBrowser, screenshot } from './browser';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const VIEWER_BG = [0x14, 0x17, 0x1d];

/** Bbox of pixels ≥ 128 in a single-channel (or grey) PNG. */
async function maskBBox(png: Buffer): Promise<Box> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[(y * info.width + x) * info.channels] >= 128) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = y;
      }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Share of pixels in a PNG screenshot that differ clearly from the viewer's background. */
async function nonBackgroundShare(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let differ = 0;
  for (let i = 0; i < data.length; i += 3) {
    if (Math.abs(data[i] - VIEWER_BG[0]) + Math.abs(data[i + 1] - VIEWER_BG[1]) + Math.abs(data[i + 2] - VIEWER_BG[2]) > 30) differ++;
  }
  return differ / (info.width * info.height);
}

function boxesClose(a: Box | null | undefined, b: Box | null | undefined, tolerancePx: number): boolean {
  return !!a && !!b && (['x', 'y', 'width', 'height'] as const).every((key) => Math.abs(a[key] - b[key]) <= tolerancePx);
}

describe.skipIf(!hasChromium)('image/3D workspace in Chromium: segment-to-3d', () => {
  let server: TestServer;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let runId: string;

  beforeAll(async () => {
    await ensureEditorBuilt();
    server = await startTestServer();
    ({ context, close: closeBrowser } = await launchWebGLBrowser());
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
  });

  const api = async (path: string) => (await fetch(`${server.url}${path}`)).json();
  const flowOf = (p: Page) => p.evaluate(() => window.__atelier!.flow());
  const segmentParams = async (p: Page) => (await flowOf(p)).nodes.find((n) => n.id === 'segment')!.params;
  const viewerBoxes = (p: Page) =>
    p.evaluate(() => ({ object: window.__atelierViewer!.objectScreenBox()!, image: window.__atelierViewer!.imageObjectScreenBox()!, aligned: window.__atelierViewer!.isAligned() }));

  async function open(query: string): Promise<Page> {
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    (p as any).errors = errors;
    await p.goto(`${server.url}/${query}`);
    await p.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined, null, { timeout: 20_000 });
    return p;
  }

  /** A finished run of the shipped flow (made once, then reused): what the viewer tests look at. */
  async function ensureRun(): Promise<string> {
    if (runId) return runId;
    const res = await fetch(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'segment-to-3d' }) });
    const record = await res.json();
    expect(record.status).toBe('succeeded');
    runId = record.id;
    return runId;
  }

  /** Opens the flow on its run and the 3D viewer of the lgm node; waits until the viewer is ready. */
  async function openViewer(query = ''): Promise<Page> {
    const p = await open(`?flow=segment-to-3d&run=${await ensureRun()}${query}`);
    await p.locator('[data-node-id="lgm"]').getByRole('button', { name: 'View 3D' }).click();
    await p.waitForFunction(() => window.__atelierViewer?.ready === true, null, { timeout: 60_000 });
    return p;
  }

  /** Switches the viewer to Overlay once it can (the model and the source image have loaded). */
  async function showOverlay(p: Page): Promise<void> {
    const radio = p.getByRole('radio', { name: 'Overlay' });
    await expect.poll(() => radio.isEnabled(), { timeout: 120_000, interval: 500 }).toBe(true);
    await radio.click();
  }

  /** Waits until the viewer's canvas shows the model (some share of it differs from the background). */
  async function expectModelDrawn(p: Page): Promise<void> {
    const canvas = p.locator('canvas.ws-3d-canvas');
    await expect.poll(async () => nonBackgroundShare(await canvas.screenshot()), { timeout: 60_000, interval: 500 }).toBeGreaterThan(0.01);
  }

  /** Waits until the overlay's model sits on the photo's object (aligned, boxes within 4 px). */
  async function expectAligned(p: Page): Promise<void> {
    await expect.poll(async () => {
      const b = await viewerBoxes(p);
      return b.aligned && boxesClose(b.object, b.image, 4);
    }, { timeout: 30_000, interval: 200 }).toBe(true);
  }

  /** Clicks a source-image pixel on the segment stage. */
  async function clickImage(p: Page, x: number, y: number, imageWidth: number) {
    const stage = (await p.getByTestId('segment-stage').boundingBox())!;
    const s = stage.width / imageWidth;
    await p.mouse.click(stage.x + (x + 0.5) * s, stage.y + (y + 0.5) * s);
  }

  it('selects the object with two clicks: the mask preview matches the bbox output, the points land in the params (undoable)', async () => {
    page = await open('?flow=segment-to-3d');
    const original = await segmentParams(page);
    await page.locator('[data-node-id="segment"]').getByRole('button', { name: 'Select object' }).click();
    const dialog = page.getByRole('dialog', { name: 'Select object' });
    await dialog.locator('[data-segment-state="ready"]').waitFor({ timeout: 60_000 });
    await screenshot(page, '01-segment-saved-prompts');

    await dialog.getByRole('button', { name: 'Clear all' }).click();
    await dialog.locator('[data-segment-state="idle"]').waitFor();
    const imageWidth = await page.locator('.ws-stage img').evaluate((img: HTMLImageElement) => img.naturalWidth);
    await clickImage(page, 225, 125, imageWidth); // the face
    await clickImage(page, 210, 390, imageWidth); // the suit
    await expect.poll(() => dialog.locator('circle.ws-point').count()).toBe(2);

    // The preview on screen is the run with exactly these two points.
    await expect
      .poll(
        async () => {
          if ((await dialog.locator('[data-segment-state]').getAttribute('data-segment-state')) !== 'ready') return -1;
          const id = await dialog.locator('[data-segment-run]').getAttribute('data-segment-run');
          const flow = await api(`/api/runs/${id}/flow`);
          return flow.nodes.find((n: { id: string }) => n.id === 'segment').params.points.length;
        },
        { timeout: 60_000, interval: 300 },
      )
      .toBe(2);
    const previewRun = await dialog.locator('[data-segment-run]').getAttribute('data-segment-run');
    const record = await api(`/api/runs/${previewRun}`);
    const node = record.nodes.segment;
    expect(node.status).toBe('succeeded');
    expect(node.backend).toBe('local');
    expect(await dialog.locator('[data-segment-backend]').getAttribute('data-segment-backend')).toBe('local');
    // Only the segmentation ran: the image came from the cache.
    expect(record.nodes.load.cached).toBe(true);

    const maskUrl = (await dialog.locator('[data-mask-preview]').getAttribute('data-mask-preview'))!;
    expect(maskUrl).toBe(node.outputs.mask.url);
    const maskPng = Buffer.from(await (await fetch(`${server.url}${maskUrl}`)).arrayBuffer());
    const bbox = await maskBBox(maskPng);
    expect(bbox).toEqual(node.outputs.bbox);
    expect(JSON.parse((await dialog.locator('[data-mask-bbox]').getAttribute('data-mask-bbox'))!)).toEqual(node.outputs.bbox);
    expect(bbox.width * bbox.height).toBeGreaterThan(0.2 * imageWidth * imageWidth);
    await screenshot(page, '02-segment-two-clicks-mask');

    // Candidate masks: ask for several, pick one; the preview run carries the pick.
    const lastRun = async () => dialog.locator('[data-segment-run]').getAttribute('data-segment-run');
    const readyAfter = async (previous: string | null) =>
      expect.poll(async () => (await dialog.locator('[data-segment-state]').getAttribute('data-segment-state')) === 'ready' && (await lastRun()) !== previous, { timeout: 60_000, interval: 200 }).toBe(true);
    let before = await lastRun();
    await dialog.getByLabel('Several candidate masks').check();
    await readyAfter(before);
    const candidates = dialog.getByRole('radiogroup', { name: 'Candidate masks' }).getByRole('radio');
    expect(await candidates.count()).toBeGreaterThan(2); // "best" + each candidate
    before = await lastRun();
    await candidates.nth(2).click(); // candidate #1
    await readyAfter(before);
    expect((await api(`/api/runs/${await lastRun()}/flow`)).nodes.find((n: { id: string }) => n.id === 'segment').params).toMatchObject({ multimask: true, pick: 1 });
    await screenshot(page, '02b-segment-candidates');
    before = await lastRun();
    await dialog.getByLabel('Several candidate masks').uncheck();
    await readyAfter(before);

    // A right-click adds a background point; a drag moves a point; its ✕ deletes it; a drag on the image draws a box.
    await clickImage(page, 450, 450, imageWidth);
    await expect.poll(() => dialog.locator('circle.ws-point').count()).toBe(3);
    const stage = (await page.getByTestId('segment-stage').boundingBox())!;
    const s = stage.width / imageWidth;
    const third = dialog.locator('circle.ws-point').nth(2);
    expect(await third.getAttribute('data-label')).toBe('1');
    await dialog.getByRole('button', { name: 'Delete point 3' }).click();
    await page.mouse.click(stage.x + 460.5 * s, stage.y + 60.5 * s, { button: 'right' });
    await expect.poll(() => dialog.locator('circle.ws-point[data-label="0"]').count()).toBe(1);
    const bg = dialog.locator('circle.ws-point[data-label="0"]');
    const b = (await bg.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 - 39.5 * s, b.y + b.height / 2 + 20.5 * s, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => [await bg.getAttribute('cx'), await bg.getAttribute('cy')]).toEqual(['420', '80']);
    await dialog.getByRole('button', { name: 'Delete point 3' }).click();
    await page.mouse.move(stage.x + 20.5 * s, stage.y + 20.5 * s);
    await page.mouse.down();
    await page.mouse.move(stage.x + 380.5 * s, stage.y + 500.5 * s, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => dialog.locator('rect.ws-box').count()).toBe(1);
    expect(await dialog.getByText(/^box \[/).textContent()).toContain('box [20, 20, 380, 500]');
    await dialog.getByRole('button', { name: 'remove box' }).click();
    await expect.poll(() => dialog.locator('circle.ws-point').count()).toBe(2);

    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const saved = await segmentParams(page);
    expect(saved.points).toEqual([
      { x: 225, y: 125, label: 1 },
      { x: 210, y: 390, label: 1 },
    ]);
    expect(saved.box).toBeUndefined();
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    expect(await segmentParams(page)).toEqual(original);
    await page.getByRole('button', { name: 'Redo', exact: true }).click();
    expect((await segmentParams(page)).points).toHaveLength(2);
    await page.close();
  }, 180_000);

  it('runs, and the 3D viewer draws the splats (non-blank canvas)', async () => {
    page = await open('?flow=segment-to-3d');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForFunction(() => ['succeeded', 'failed'].includes(window.__atelier!.store.getState().run?.status ?? ''), null, { timeout: 120_000 });
    expect(await page.evaluate(() => window.__atelier!.store.getState().run!.status)).toBe('succeeded');
    runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);

    await page.locator('[data-node-id="lgm"]').getByRole('button', { name: 'View 3D' }).click();
    await page.waitForFunction(() => window.__atelierViewer?.ready === true, null, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__atelierViewer!.path)).toBe('splat');
    await expectModelDrawn(page);
    await screenshot(page, '03-viewer-orbit');
    await page.close();
  }, 180_000);

  it('overlay: the model sits on the photo; after a drag, Reset alignment puts it back within a few pixels', async () => {
    page = await openViewer();
    await showOverlay(page);
    await expectAligned(page);
    const aligned = await viewerBoxes(page);
    await screenshot(page, '04-overlay-aligned');

    const from = { x: aligned.object.x + aligned.object.width * 0.25, y: aligned.object.y + aligned.object.height * 0.85 };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 200, from.y - 80, { steps: 10 });
    await page.mouse.up();
    await expect.poll(async () => (await viewerBoxes(page)).object.x - aligned.object.x, { timeout: 20_000, interval: 200 }).toBeGreaterThan(150);
    const moved = await viewerBoxes(page);
    expect(moved.aligned).toBe(false);
    expect(moved.object.x - aligned.object.x).toBeGreaterThan(150);
    expect(aligned.object.y - moved.object.y).toBeGreaterThan(50);
    await screenshot(page, '05-overlay-dragged');

    await page.getByRole('button', { name: 'Reset alignment' }).click();
    await expectAligned(page);
    await screenshot(page, '06-overlay-reset');
    await page.close();
  }, 300_000);

  it('downloads the .ply and saves a screenshot to the gallery with the source image as parent', async () => {
    page = await openViewer();
    await showOverlay(page);
    await expectAligned(page);
    const record = await api(`/api/runs/${runId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .ply' }).click()]);
    const bytes = readFileSync((await download.path()));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(record.nodes.lgm.outputs.model.artifact);

    await page.getByRole('button', { name: 'Screenshot to gallery' }).click();
    await expect.poll(async () => (await api('/api/gallery?search=3D%20view')).length, { timeout: 20_000 }).toBe(1);
    const [entry] = await api('/api/gallery?search=3D%20view');
    expect(entry.parent).toBe(record.nodes.load.outputs.image.artifact);
    const png = Buffer.from(await (await fetch(`${server.url}${entry.artifact.url}`)).arrayBuffer());
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(await nonBackgroundShare(png)).toBeGreaterThan(0.5); // the photo fills the composed overlay
    expect((page as any).errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('falls back to a point cloud (named on screen) and keeps overlay alignment', async () => {
    const p = await openViewer('&viewer=points');
    expect(await p.evaluate(() => window.__atelierViewer!.path)).toBe('points');
    await expect.poll(() => p.locator('[data-fallback="points"]').count()).toBe(1);
    await expectModelDrawn(p);
    await screenshot(p, '07-fallback-points');
    await p.getByRole('radio', { name: 'Overlay' }).click();
    await expectAligned(p);
    await screenshot(p, '08-fallback-points-overlay');
    await p.close();
  }, 60_000);

  it('uses the point-cloud fallback by itself in a browser without WebGL2', async () => {
    const noGl = await launchWebGLBrowser(['--disable-3d-apis']);
    try {
      const p = await noGl.context.newPage();
      await p.goto(`${server.url}/?flow=segment-to-3d&run=${await ensureRun()}`);
      await p.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined, null, { timeout: 20_000 });
      expect(await p.evaluate(() => !!document.createElement('canvas').getContext('webgl2'))).toBe(false);
      await p.locator('[data-node-id="lgm"]').getByRole('button', { name: 'View 3D' }).click();
      await p.waitForFunction(() => window.__atelierViewer?.ready === true, null, { timeout: 30_000 });
      expect(await p.evaluate(() => window.__atelierViewer!.path)).toBe('points');
      expect(await p.locator('[data-fallback="points"]').textContent()).toContain('no WebGL2');
      await expectModelDrawn(p);
      await screenshot(p, '09-no-webgl2-fallback');
    } finally {
      await noGl.close();
    }
  }, 60_000);
});
