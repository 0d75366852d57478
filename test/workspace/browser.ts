// Chromium for the workspace suite: the editor suite's flags plus SwiftShader, so WebGL2 (and with it
// the spark splat renderer) works headless without a GPU.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../editor/browser';

export { ensureEditorBuilt, hasChromium } from '../editor/browser';

export const ARTIFACTS_DIR = 'test-artifacts/workspace';

/** `extraFlags` e.g. ['--disable-3d-apis'] for a browser without WebGL. */
export function launchWebGLBrowser(extraFlags: string[] = []): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  return launchBrowser(['--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...extraFlags]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
}
