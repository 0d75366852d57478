#!/usr/bin/env node
// The `atelier` command: runs the compiled CLI, dist/cli.cjs (`npm run build`, which `npm install`
// runs through `prepare`), with V8's code cache (bin/run-cached.js). `npm run atelier -- …` runs the
// TypeScript sources through tsx instead.
// CommonJS (bin/package.json): an ES module entry costs every start Node's ES module loader
// (~10 ms of CPU before the first line of Atelier runs), and nothing here needs it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { runCached } = require('./run-cached.js');

const cli = join(__dirname, '..', 'dist', 'cli.cjs');
if (!existsSync(cli)) {
  console.error('atelier: dist/cli.cjs is missing. Run `npm run build` (or `npm run atelier -- …` to run the sources through tsx).');
  process.exit(2);
}
// One cache per command (each runs different functions); anything else shares one, so that typing
// arbitrary words cannot leave a cache file per word in the temp dir.
const COMMANDS = new Set(['serve', 'run', 'validate', 'gc', 'worker']);
const command = process.argv[2] ?? '';
runCached(cli, COMMANDS.has(command) ? command : 'other');
