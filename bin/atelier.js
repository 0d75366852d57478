#!/usr/bin/env node
// The `atelier` command: runs the compiled CLI in dist/ (`npm run build`, which `npm install` runs
// through `prepare`). `npm run atelier -- …` runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('atelier: dist/cli.js is missing. Run `npm run build` (or `npm run atelier -- …` to run the sources through tsx).');
  process.exit(2);
}
await import(cli.href);
