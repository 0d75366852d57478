// The two build outputs tests run against: editor/dist (the browser suites load it) and dist/ (the
// compiled CLI that bin/atelier.js runs). test/global-setup.ts builds them once per vitest run,
// before any test file starts, so parallel test files never race to build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Build {
  name: string;
  /** The file whose mtime stands for the whole output. */
  output: string;
  sources: string[];
  command: string[];
}

export const EDITOR_BUILD: Build = {
  name: 'editor/dist',
  output: 'editor/dist/index.html',
  sources: ['editor/src', 'editor/index.html', 'editor/vite.config.ts', 'model'],
  command: ['node_modules/vite/bin/vite.js', 'build', '--config', 'editor/vite.config.ts', '--logLevel', 'warn'],
};

export const SERVER_BUILD: Build = {
  name: 'dist/cli.cjs',
  output: 'dist/cli.cjs',
  sources: ['runtime', 'nodes', 'model', 'scripts/build.js', 'scripts/bundle-options.js', 'package.json'],
  command: ['scripts/build.js'],
};

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Why the output must be rebuilt ('' when it is newer than every source). */
export function staleReason(build: Build): string {
  if (!existsSync(build.output)) return `${build.output} does not exist`;
  const built = statSync(build.output).mtimeMs;
  const newer = build.sources.find((source) => newestMtime(source) > built);
  return newer ? `${newer} changed after ${build.output} was built` : '';
}

/** Builds when stale; returns what it did, for the log. */
export function buildIfStale(build: Build): string {
  const reason = staleReason(build);
  if (!reason) return `${build.name} is up to date`;
  const started = performance.now();
  execFileSync(process.execPath, build.command, { stdio: 'inherit' });
  return `built ${build.name} in ${Math.round(performance.now() - started)} ms (${reason})`;
}

/**
 * For test files: editor/dist must already be fresh (global setup built it). Outside vitest
 * (bench/editor.ts) it builds here.
 */
export async function ensureEditorBuilt(): Promise<void> {
  if (!process.env.VITEST) {
    console.log(`[editor] ${buildIfStale(EDITOR_BUILD)}`);
    return;
  }
  const reason = staleReason(EDITOR_BUILD);
  if (reason) {
    throw new Error(`${reason}: the "browser" project's globalSetup (test/global-setup.ts) builds it; is this test file in that project in vitest.config.ts?`);
  }
}
