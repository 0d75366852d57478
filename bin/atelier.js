#!/usr/bin/env node
// The `atelier` command: runs the compiled CLI in dist/ (`npm run build`, which `npm install` runs
// through `prepare`). `npm run atelier -- …` runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import module from 'node:module';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('atelier: dist/cli.js is missing. Run `npm run build` (or `npm run atelier -- …` to run the sources through tsx).');
  process.exit(2);
}
// Node ≥ 22.8 keeps V8's compiled code of what a start loads (dist/, node_modules) in the OS temp dir,
// so later starts skip compiling it; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 20 has no such cache.
module.enableCompileCache?.();
await import(cli.href);
