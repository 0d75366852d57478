#!/usr/bin/env node
// The `atelier` command: runs the compiled CLI, dist/cli.cjs (`npm run build`, which `npm install`
// runs through `prepare`), with V8's code cache (bin/run-cached.js). `npm run atelier -- …` runs the
// TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCached } from './run-cached.js';

const cli = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
if (!existsSync(cli)) {
  console.error('atelier: dist/cli.cjs is missing. Run `npm run build` (or `npm run atelier -- …` to run the sources through tsx).');
  process.exit(2);
}
runCached(cli, process.argv[2] ?? '');
