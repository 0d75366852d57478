#!/usr/bin/env node
// `npm run build:server`: bundles the CLI (and with it the server, engine, store and nodes) into
// dist/ as plain JavaScript, so `atelier` starts without transpiling TypeScript. npm packages stay
// external (native modules such as better-sqlite3 and sharp load from node_modules as usual).
// Worker-thread entries (piscina) are entry points of their own, emitted flat beside the bundle,
// so a pool that looks for `new URL('./cpu-tasks.js', import.meta.url)` finds it from dist/ too.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

const WORKERS = ['nodes/gpu/cpu-tasks.ts'];

const entryPoints = ['runtime/cli.ts', ...WORKERS.filter((file) => existsSync(join(root, file)))];
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
