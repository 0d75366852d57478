// Real processes for the scale-out tests: redis-server (Debian's package) as a child on a free port
// in a temp dir, API and worker processes, and helpers to read a run's events over SSE.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../model/events';
import { until } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** Under CI a missing redis-server fails the suite; elsewhere the suite is skipped with a reason. */
export function redisAvailable(): boolean {
  const found = existsSync(REDIS_SERVER) || spawnSync('redis-server', ['--version']).status === 0;
  return requireTool({ missing: found ? '' : `${REDIS_SERVER} not found`, install: 'the Debian package redis-server', suite: 'the scale-out suite' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `always`: every acknowledged write survives a restart (the tests restart Redis). `everysec` is what
 * docker-compose.yml deploys: an fsync a second instead of one per write (benchmarks measure that).
 */
export type RedisFsync = 'always' | 'everysec';

export class RedisProcess {
  child?: ChildProcess;
  constructor(
    readonly port: number,
    readonly dir: string,
    readonly fsync: RedisFsync = 'always',
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const binary = existsSync(REDIS_SERVER) ? REDIS_SERVER : 'redis-server';
    const child = spawn(binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', this.fsync, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await waitForOutput(child, /Ready to accept connections/, 'redis-server');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Kills the server and removes its data dir (the append-only file would stay in /tmp otherwise). */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedis(fsync: RedisFsync = 'always'): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-redis-'));
  const redis = new RedisProcess(await freePort(), dir, fsync);
  await redis.start();
  return redis;
}

export interface Proc {
  child: ChildProcess;
  ready: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startProc(mode: 'api' | 'worker', env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/scale/proc.ts', mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  const line = await waitForOutput(child, /READY (\S+)/, `${mode} process`);
  return {
    child,
    ready: line[1],
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs} ms: ${out.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready: ${out.slice(-2000)}`));
    });
  });
}

export function tempRoot(): { root: string; flowsDir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'atelier-scale-'));
  const flowsDir = join(root, 'flows');
  cpSync('flows', flowsDir, { recursive: true });
  return { root, flowsDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Every event of a run over SSE from `since` until run.finished (or the stream ends). */
export async function readEvents(url: string, runId: string, since = 0, timeoutMs = 60_000): Promise<RunEvent[]> {
  const response = await fetch(`${url}/api/runs/${runId}/events?since=${since}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`events of ${runId}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5).trim()) as RunEvent);
}

export function poll<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  return until(what, check, { timeoutMs, intervalMs: 50 });
}

export function expectGapless(events: RunEvent[]): void {
  const seqs = events.map((event) => event.seq);
  const expected = seqs.map((_, i) => i + 1);
  if (JSON.stringify(seqs) !== JSON.stringify(expected)) throw new Error(`seq is not gapless: ${seqs.join(',')}`);
}
