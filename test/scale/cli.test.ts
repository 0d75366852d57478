// The shipped commands in queue mode: `atelier serve` (with its in-process worker) and
// `atelier worker --concurrency N`, as real processes against a real redis-server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../model/events';
import type { WorkerInfo } from '../../runtime/queue/run-service';
import { poll, redisAvailable, startRedis, tempRoot, type RedisProcess } from './harness';

const enabled = redisAvailable();
const dir = tempRoot();
let redis: RedisProcess;
const children: ChildProcess[] = [];

function atelier(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['bin/atelier.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

function atelierDone(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output } = atelier(args, env);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: output() }));
  });
}

beforeAll(async () => {
  if (enabled) redis = await startRedis();
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.dispose();
  dir.remove();
});

describe.skipIf(!enabled)('atelier serve and atelier worker in queue mode', () => {
  it('serves runs through the queue with an in-process worker and a worker process', async () => {
    const env = { ATELIER_REDIS_URL: redis.url, ATELIER_DATA: join(dir.root, 'data'), ATELIER_FLOWS: dir.flowsDir, ATELIER_WORKER_HEARTBEAT_MS: '300' };
    const serve = atelier(['serve', '--port', '0'], env);
    const worker = atelier(['worker', '--concurrency', '2'], { ...env, ATELIER_ARTIFACTS_DIR: join(dir.root, 'data', 'artifacts') });
    const url = await poll('the server address', () => /running at (http:\/\/\S+?)\/?\s/.exec(serve.output())?.[1], 60_000);
    await poll('the worker', () => /worker \S+ is taking runs \(2 at a time/.test(worker.output()) || undefined, 60_000);
    const workers = await poll('two workers listed', async () => {
      const list = (await (await fetch(`${url}/api/workers`)).json()) as WorkerInfo[];
      return list.length === 2 ? list : undefined;
    });
    expect(workers.map((w) => w.concurrency).sort()).toEqual([2, 4]);
    const records = await Promise.all(
      [64, 80, 96, 112].map(async (width) => {
        const response = await fetch(`${url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'local-image-pipeline', inputs: { width } }) });
        return (await response.json()) as RunRecord;
      }),
    );
    for (const record of records) {
      expect(record.status).toBe('succeeded');
      const output = Object.values(record.outputs)[0] as { url: string; width: number };
      expect((await fetch(`${url}${output.url}`)).status).toBe(200);
    }
  }, 120_000);

  it('atelier run goes through a live queue-mode server, and the run executes on a worker', async () => {
    const dataDir = join(dir.root, 'run-via-server');
    // A Redis database of its own: the other tests' workers store artifacts in other data dirs.
    const env = { ATELIER_REDIS_URL: `${redis.url}/1`, ATELIER_DATA: dataDir, ATELIER_FLOWS: dir.flowsDir, ATELIER_WORKER_HEARTBEAT_MS: '300' };
    const serve = atelier(['serve', '--port', '0', '--no-worker'], env);
    const worker = atelier(['worker', '--concurrency', '1'], env);
    await poll('the server address', () => /running at (http:\/\/\S+?)\/?\s/.exec(serve.output())?.[1], 60_000);
    const workerId = await poll('the worker', () => /worker (\S+) is taking runs/.exec(worker.output())?.[1], 60_000);
    const out = join(dir.root, 'run-via-server-out');
    const run = await atelierDone(['run', 'local-image-pipeline', '--input', 'width=48', '--out', out, '--data', dataDir], env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('the data dir is held by atelier serve');
    expect(run.output).toContain(`started on worker ${workerId}`);
    expect(run.output).toMatch(/wrote \S+\.png/);
  }, 120_000);

  it('atelier run with ATELIER_REDIS_URL and no server enqueues the run, says so, and a worker executes it', async () => {
    const dataDir = join(dir.root, 'run-queued');
    const env = { ATELIER_REDIS_URL: `${redis.url}/2`, ATELIER_DATA: dataDir, ATELIER_FLOWS: dir.flowsDir, ATELIER_WORKER_HEARTBEAT_MS: '300' };
    const worker = atelier(['worker', '--concurrency', '1'], env);
    const workerId = await poll('the worker', () => /worker (\S+) is taking runs/.exec(worker.output())?.[1], 60_000);
    const run = await atelierDone(['run', 'local-image-pipeline', '--input', 'width=56', '--out', join(dir.root, 'run-queued-out'), '--data', dataDir], env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('queue mode (ATELIER_REDIS_URL): the run is enqueued and executed by an `atelier worker`');
    expect(run.output).not.toContain('no worker is running');
    expect(run.output).toContain(`started on worker ${workerId}`);
    expect(run.output).toMatch(/wrote \S+\.png/);
  }, 120_000);

  it('atelier run in queue mode with no worker says the run waits, and it runs once a worker starts', async () => {
    const dataDir = join(dir.root, 'run-waits');
    const env = { ATELIER_REDIS_URL: `${redis.url}/3`, ATELIER_DATA: dataDir, ATELIER_FLOWS: dir.flowsDir, ATELIER_WORKER_HEARTBEAT_MS: '300' };
    const run = atelier(['run', 'local-image-pipeline', '--input', 'width=40', '--out', join(dir.root, 'run-waits-out'), '--data', dataDir], env);
    const exited = new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    await poll('the no-worker warning', () => run.output().includes('no worker is running: the run waits in the queue until one starts') || undefined, 60_000);
    expect(run.output()).not.toContain('started on worker');
    const worker = atelier(['worker', '--concurrency', '1'], env);
    const workerId = await poll('the worker', () => /worker (\S+) is taking runs/.exec(worker.output())?.[1], 60_000);
    expect(await exited, run.output()).toBe(0);
    expect(run.output()).toContain(`started on worker ${workerId}`);
  }, 120_000);

  it('refuses to start a worker without ATELIER_REDIS_URL or with a bad --concurrency', () => {
    const env = { ...process.env, ATELIER_REDIS_URL: '' };
    const missing = spawnSync(process.execPath, ['bin/atelier.js', 'worker'], { env, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/ATELIER_REDIS_URL/);
    const bad = spawnSync(process.execPath, ['bin/atelier.js', 'worker', '--concurrency', 'lots'], { env: { ...env, ATELIER_REDIS_URL: 'redis://127.0.0.1:1' }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency must be an integer/);
  }, 60_000);
});
