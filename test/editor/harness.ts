// Shared steps of the editor's browser tests: a server, a browser, pages opened and drawn.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Flow } from '../../model/flow';
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/server';
import { ensureEditorBuilt, launchBrowser } from './browser';

export interface Harness {
  server: TestServer;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function startHarness(options: TestServerOptions = {}, viewport?: { width: number; height: number }): Promise<Harness> {
  await ensureEditorBuilt();
  const server = await startTestServer(options);
  const { context, close } = await launchBrowser();
  if (viewport) context.setDefaultTimeout(15_000);
  return {
    server,
    context,
    async close() {
      await close();
      await server.close();
    },
  };
}

/**
 * One harness for the enclosing describe: started before its tests, its pages closed after each
 * test, closed after all. The object is filled in by the beforeAll, so use it inside tests only.
 */
export function useHarness(options: TestServerOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness(options));
  }, 180_000);
  afterEach(async () => {
    for (const page of h.context?.pages() ?? []) await page.close();
  });
  afterAll(async () => h.close?.());
  return h;
}

export type EditorPage = Page & { errors: string[]; dialogs: string[] };

/**
 * Opens the editor at `query`, waits until the flow is drawn. Page errors collect in `errors`, the
 * types of native dialogs in `dialogs`; a "leave with unsaved changes?" (beforeunload) is accepted.
 */
export async function openEditor(h: Harness, query = '', viewport?: { width: number; height: number }): Promise<EditorPage> {
  const page = (await h.context.newPage()) as EditorPage;
  if (viewport) await page.setViewportSize(viewport);
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => {
    page.dialogs.push(d.type());
    void (d.type() === 'beforeunload' ? d.accept() : d.dismiss());
  });
  await page.goto(`${h.server.url}/${query}`);
  await waitDrawn(page);
  return page;
}

export async function waitDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__atelier?.store.getState().drawnAt !== undefined, null, { timeout: 15_000 });
}

export const nodeEl = (page: Page, id: string) => page.locator(`[data-node-id="${id}"]`);
export const flowOf = (page: Page): Promise<Flow> => page.evaluate(() => window.__atelier!.flow());
export const nodeIds = (page: Page): Promise<string[]> => page.evaluate(() => window.__atelier!.store.getState().nodes.map((n) => n.id));

export async function api<T = any>(h: Harness, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${h.server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

export async function selectNode(page: Page, id: string): Promise<void> {
  await nodeEl(page, id).locator('.anode-title').click();
  await page.waitForFunction((want) => JSON.stringify(window.__atelier!.store.getState().selection) === JSON.stringify([want]), id);
}

/** Runs the flow with the toolbar's Run and waits for the run to end; returns its status. */
/** Clicks Run and waits for that run (not the one shown before the click) to finish; its status. */
export async function runAndWait(page: Page): Promise<string> {
  const before = await page.evaluate(() => window.__atelier!.store.getState().run?.id ?? null);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const finished = await page.waitForFunction((before) => {
    const run = window.__atelier!.store.getState().run;
    return run && run.id !== before && ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run.status : null;
  }, before, { timeout: 30_000 });
  return (await finished.jsonValue()) as string;
}
