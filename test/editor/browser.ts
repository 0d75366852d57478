// Browser-suite helpers: Debian's Chromium via playwright-core, and an up-to-date editor build.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireTool } from '../helpers/require-tool';

// editor/dist is built once per vitest run by test/global-setup.ts.
export { ensureEditorBuilt } from '../helpers/builds';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = requireTool({ missing: existsSync(CHROMIUM) ? '' : `${CHROMIUM} not found`, install: 'the Debian package chromium', suite: 'the browser suite' });
export const ARTIFACTS_DIR = 'test-artifacts/editor';

const LAUNCH_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A fresh Chromium profile; close() removes it. `extraFlags` are appended to the standard ones. */
export async function launchBrowser(extraFlags: string[] = []): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'atelier-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...LAUNCH_FLAGS, ...extraFlags],
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
}

/** Records every data-status a node element takes, in order (window.__statusLog[nodeId]). */
export async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Record<string, string[]> = {};
    (window as any).__statusLog = log;
    const push = (el: Element, status: string | null) => {
      const id = el.getAttribute('data-node-id');
      if (!id || !status) return;
      const list = (log[id] ??= []);
      if (list[list.length - 1] !== status) list.push(status);
    };
    const note = (el: Element) => push(el, el.getAttribute('data-status'));
    document.querySelectorAll('[data-node-id][data-status]').forEach(note);
    // Records are delivered after several changes may have happened: each record's oldValue
    // is a status the element showed, and the current value is the last one.
    new MutationObserver((mutations) => {
      const touched = new Set<Element>();
      for (const m of mutations) {
        if (m.type === 'attributes') {
          push(m.target as Element, m.oldValue);
          touched.add(m.target as Element);
        } else m.addedNodes.forEach((n) => n instanceof Element && n.querySelectorAll('[data-node-id][data-status]').forEach((e) => touched.add(e)));
      }
      touched.forEach(note);
    }).observe(document.body, { attributes: true, attributeOldValue: true, attributeFilter: ['data-status'], subtree: true, childList: true });
  });
}
