// How fast `atelier` starts: the compiled CLI (dist/, what bin/atelier.js runs) beside the same
// command run from the TypeScript sources through tsx (what every command paid before dist/).
// Wall time from spawn to exit (validate) or to the first 200 from GET /api/nodes (serve), and the
// CPU time the process used by then (Linux: /proc), the median of 5 runs each. On a shared machine
// wall time mostly measures the neighbours; CPU time moves far less with load, so both are printed,
// with the load average they were taken at. bin/atelier.js keeps V8's code cache per command
// (bin/run-cached.js): the first compiled start after a build writes it, the later ones use it, so the
// median is a start with the cache, as a user's every start but the first; tsx has none.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, SERVER_BUILD } from '../test/helpers/builds';
import { parseProcStat } from './proc-stat';
import { median, printTable, type BenchRow } from './table';

const RUNS = 5;
const FLOW = 'flows/local-image-pipeline.json';
const COMPILED = ['bin/atelier.js'];
const TSX = ['--import', 'tsx', 'runtime/cli.ts'];

interface Sample {
  wallMs: number;
  /** Undefined where /proc is missing (not Linux). */
  cpuMs?: number;
}

// Some sandboxes and CI set NODE_EXTRA_CA_CERTS (a proxy's CA bundle): Node reads and parses that
// file at every start, before any script runs (~35 ms for a 220 KB bundle), a cost of the machine, not
// of Atelier, which a user pays only with the variable set. The starts measured go without it, as
// without NODE_OPTIONS; the table shows Node's bare start both ways, so the figure can be compared.
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...inherited } = process.env;

function env(dataDir: string): NodeJS.ProcessEnv {
  return { ...inherited, ATELIER_DATA: dataDir, NODE_OPTIONS: '' };
}

/** CPU ms (user + system) from /proc/<pid>/stat: the process's own, or (children) that of its reaped children. */
function procCpuMs(pid: number | 'self', which: 'own' | 'children'): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const stat = parseProcStat(readFileSync(path, 'utf8'));
  return which === 'own' ? stat.ownMs : stat.childrenMs;
}

/** `node ARGS` until it exits; a non-zero exit is an error. CPU: what the reaped child (and its children) used. */
function exitOnce(args: string[], dataDir: string, extra: NodeJS.ProcessEnv = {}): Promise<Sample> {
  const cpuBefore = procCpuMs('self', 'children');
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...env(dataDir), ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/startup: node ${args.join(' ')} exited with ${code}: ${stderr}`));
      const wallMs = performance.now() - started;
      const cpuAfter = procCpuMs('self', 'children');
      resolve({ wallMs, cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore });
    });
  });
}

/** `atelier validate FLOW`. */
const validateOnce = (entry: string[], dataDir: string) => exitOnce([...entry, 'validate', FLOW], dataDir);

/** `node -e 0`: Node's own start, the floor of every command (with `extra`: the environment's NODE_EXTRA_CA_CERTS too). */
const nodeFloorOnce = (dataDir: string, extra: NodeJS.ProcessEnv = {}) => exitOnce(['-e', '0'], dataDir, extra);

/** `atelier serve --port 0` from spawn to the first 200 from GET /api/nodes; CPU: the server's own by then. */
async function serveReadyOnce(entry: string[], dataDir: string): Promise<Sample> {
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
        const wallMs = performance.now() - started;
        return { wallMs, cpuMs: child.pid === undefined ? undefined : procCpuMs(child.pid, 'own') };
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

async function medians(measure: () => Promise<Sample>): Promise<{ wallMs: number; cpuMs?: number }> {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await measure());
  const cpu = samples.map((s) => s.cpuMs).filter((ms): ms is number => ms !== undefined);
  return { wallMs: median(samples.map((s) => s.wallMs)), ...(cpu.length === samples.length && { cpuMs: median(cpu) }) };
}

export async function bench(): Promise<Record<string, number>> {
  console.log(`\n[startup] ${buildIfStale(SERVER_BUILD)}`);
  if (extraCaCerts) console.log('[startup] NODE_EXTRA_CA_CERTS is set here: the starts are measured without it (see "node -e 0" below for what it costs)');
  const dataDir = mkdtempSync(join(tmpdir(), 'atelier-bench-startup-'));
  try {
    const loadBefore = loadavg()[0];
    const validate = await medians(() => validateOnce(COMPILED, dataDir));
    const validateTsx = await medians(() => validateOnce(TSX, dataDir));
    const serve = await medians(() => serveReadyOnce(COMPILED, dataDir));
    const serveTsx = await medians(() => serveReadyOnce(TSX, dataDir));
    const floor = await medians(() => nodeFloorOnce(dataDir));
    const floorExtraCa = extraCaCerts ? await medians(() => nodeFloorOnce(dataDir, { NODE_EXTRA_CA_CERTS: extraCaCerts })) : undefined;
    const loadAfter = loadavg()[0];
    const rows: BenchRow[] = [
      { name: `atelier validate ${FLOW}`, value: validate.wallMs, unit: 'ms', baseline: { name: 'through tsx', value: validateTsx.wallMs }, target: '≤ 300 ms' },
      { name: 'atelier serve → GET /api/nodes 200', value: serve.wallMs, unit: 'ms', baseline: { name: 'through tsx', value: serveTsx.wallMs }, target: '≤ 300 ms' },
    ];
    rows.push({ name: "  node -e 0 (Node's own start)", value: floor.wallMs, unit: 'ms', ...(floorExtraCa && { baseline: { name: 'with NODE_EXTRA_CA_CERTS', value: floorExtraCa.wallMs } }) });
    const results: Record<string, number> = {
      cliValidateMs: validate.wallMs,
      cliValidateTsxMs: validateTsx.wallMs,
      serveReadyMs: serve.wallMs,
      serveReadyTsxMs: serveTsx.wallMs,
      nodeFloorMs: floor.wallMs,
      ...(floorExtraCa && { nodeFloorExtraCaMs: floorExtraCa.wallMs }),
    };
    if (validate.cpuMs !== undefined && validateTsx.cpuMs !== undefined && serve.cpuMs !== undefined && serveTsx.cpuMs !== undefined) {
      rows.push(
        { name: `  CPU time of validate`, value: validate.cpuMs, unit: 'ms', baseline: { name: 'through tsx', value: validateTsx.cpuMs } },
        // tsx's esbuild service is a child process of the server, not counted here: the tsx figure is a lower bound.
        { name: '  CPU time of serve until the 200', value: serve.cpuMs, unit: 'ms', baseline: { name: 'through tsx', value: serveTsx.cpuMs } },
      );
      Object.assign(results, { cliValidateCpuMs: validate.cpuMs, cliValidateTsxCpuMs: validateTsx.cpuMs, serveReadyCpuMs: serve.cpuMs, serveReadyTsxCpuMs: serveTsx.cpuMs });
    } else {
      console.log('[startup] no /proc here: CPU times are not measured, only wall times');
    }
    printTable(`Startup (median of ${RUNS}; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)`, rows);
    return results;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
