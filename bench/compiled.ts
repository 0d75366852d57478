// Runs a benchmark as the server runs: compiled as scripts/build.js compiles what ships, in a fresh Node
// process with the flags of package.json's start script (none today; a flag put there is measured as
// it ships). tsx compiles each file on its own and wraps every function made at run time in a call that
// names it, which cost back-to-back runs ~4%.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { productionBundle } from '../scripts/bundle-options.js';

export const CHILD_TIMEOUT_MS = 10 * 60_000;

/** A compiled benchmark entry: run() answers what it printed. */
export interface CompiledBench {
  run(nodeFlags: string[]): string;
  remove(): void;
}

/**
 * Compiles `entry` (a path under the repository) to dist/bench-<name>.mjs: one level below the
 * repository, as the sources that find files from import.meta.url expect (as dist/cli.cjs is).
 */
export async function compiledBench(repo: string, entry: string, name: string): Promise<CompiledBench> {
  const outfile = join(repo, 'dist', `bench-${name}.mjs`);
  await build({ ...productionBundle(repo), entryPoints: [entry], outfile, format: 'esm' });
  return {
    run: (nodeFlags) => execFileSync(process.execPath, [...nodeFlags, outfile], { cwd: repo, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 << 20 }),
    remove: () => rmSync(outfile, { force: true }),
  };
}

/** The Node flags `npm start` runs the server with: package.json's start script is `node [flags] bin/atelier.js serve`. */
export function serverNodeFlags(repo: string): string[] {
  const start: unknown = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts?: { start?: unknown } }).scripts?.start;
  const match = typeof start === 'string' ? /^node((?: --[\w-]+(?:=\S+)?)*) bin\/atelier\.js serve$/.exec(start) : null;
  if (!match) throw new Error(`package.json's start script is not "node [flags] bin/atelier.js serve": ${String(start)}`);
  return match[1].split(' ').filter(Boolean);
}

/** The last JSON object a benchmark printed (it may span lines, as the Node-RED peer's does), and what came before it. */
export function splitLastJson<T>(output: string): { json: T; before: string } {
  const start = output.lastIndexOf('\n{');
  const text = start >= 0 ? output.slice(start + 1) : output;
  try {
    return { json: JSON.parse(text) as T, before: start >= 0 ? output.slice(0, start + 1) : '' };
  } catch {
    throw new Error(`no JSON at the end of a benchmark's output: ${output.slice(-500)}`);
  }
}
