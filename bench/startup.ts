// How fast `atelier` starts: the compiled CLI (dist/, what bin/atelier.js runs) beside the same
// command run from the TypeScript sources through tsx (what every command paid before dist/).
// Wall time from spawn to exit (validate) or to the first 200 from GET /api/nodes (serve); the
// median of 5 runs each.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, SERVER_BUILD } from '../test/helpers/builds';
import { median, printTable } from './table';

const RUNS = 5;
const FLOW = 'flows/local-image-pipeline.json';
const COMPILED = ['bin/atelier.js'];
const TSX = ['--import', 'tsx', 'runtime/cli.ts'];

function env(dataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, ATELIER_DATA: dataDir, NODE_OPTIONS: '' };
}

/** Milliseconds until `atelier validate FLOW` exits; a non-zero exit is an error. */
function validateOnce(entry: string[], dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, 'validate', FLOW], { env: env(dataDir), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`bench/startup: validate exited with ${code}: ${stderr}`))));
  });
}

/** Milliseconds from spawning `atelier serve --port 0` to the first 200 from GET /api/nodes. */
async function serveReadyOnce(entry: string[], dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, 'serve', '--port', '0'], { env: env(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /running at (http:\/\/\S+?)\/?\s/.exec(out);
        if (match) resolve(match[1]);
      });
      child.stderr.on('data', (chunk) => (out += chunk));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bench/startup: serve exited with ${code}: ${out}`)));
    });
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${url}/api/nodes`).catch(() => undefined);
      if (response?.ok) {
        await response.arrayBuffer();
        return performance.now() - started;
      }
      if (attempt >= 500) throw new Error(`bench/startup: ${url}/api/nodes never answered 200 (last: ${response?.status ?? 'no connection'})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

async function medianOf(measure: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await measure());
  return median(times);
}

export async function bench(): Promise<Record<string, number>> {
  console.log(`\n[startup] ${buildIfStale(SERVER_BUILD)}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'atelier-bench-startup-'));
  try {
    const cliValidateMs = await medianOf(() => validateOnce(COMPILED, dataDir));
    const cliValidateTsxMs = await medianOf(() => validateOnce(TSX, dataDir));
    const serveReadyMs = await medianOf(() => serveReadyOnce(COMPILED, dataDir));
    const serveReadyTsxMs = await medianOf(() => serveReadyOnce(TSX, dataDir));
    printTable(`Startup (median of ${RUNS}, wall time)`, [
      { name: `atelier validate ${FLOW}`, value: cliValidateMs, unit: 'ms', baseline: { name: 'through tsx', value: cliValidateTsxMs }, target: '≤ 300 ms' },
      { name: 'atelier serve → GET /api/nodes 200', value: serveReadyMs, unit: 'ms', baseline: { name: 'through tsx', value: serveReadyTsxMs }, target: '≤ 300 ms' },
    ]);
    return { cliValidateMs, cliValidateTsxMs, serveReadyMs, serveReadyTsxMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
