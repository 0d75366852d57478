#!/usr/bin/env node
// `npm run build:server`: bundles the CLI (and with it the server, engine, store and nodes) into
// dist/ as plain JavaScript, so `atelier` starts without transpiling TypeScript. npm packages stay
// external (native modules such as better-sqlite3 and sharp load from node_modules as usual).
// Worker files (`*.worker.ts`, `*-worker.ts`) become entry points of their own, emitted flat
// beside the bundle, so `new URL('./x-worker.js', import.meta.url)` resolves from dist/ too.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

function workerFiles(dir) {
  const found = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /[.-]worker\.ts$/.test(entry.name)) found.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return found;
}

const entryPoints = ['runtime/cli.ts', ...workerFiles('runtime'), ...workerFiles('nodes')];
const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`dist/: ${entryPoints.join(', ')} bundled in ${Math.round(performance.now() - started)} ms`);
