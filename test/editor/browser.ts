// Browser-suite helpers: Debian's Chromium via playwright-core, and an up-to-date editor build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
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

if (!hasChromium) console.warn(`browser suite skipped: ${CHROMIUM} not found`);

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

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds editor/dist when it is missing or older than the editor's sources (one builder at a time). */
export async function ensureEditorBuilt(): Promise<void> {
  const lock = join(tmpdir(), 'atelier-editor-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than a build can take was left by a killed process.
      const age = existsSync(lock) ? Date.now() - statSync(lock).mtimeMs : 0;
      if (age > 180_000) {
        console.warn(`[editor] removing stale build lock ${lock} (${Math.round(age / 1000)} s old)`);
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited > 180_000) throw new Error(`editor build lock ${lock} held for 3 minutes; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = existsSync('editor/dist/index.html') ? statSync('editor/dist/index.html').mtimeMs : 0;
    const sources = Math.max(newestMtime('editor/src'), newestMtime('editor/index.html'), newestMtime('editor/vite.config.ts'), newestMtime('model/flow.ts'));
    if (built < sources) {
      console.log('[editor] building editor/dist …');
      execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'editor/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
    }
  } finally {
    rmdirSync(lock);
  }
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
