// Scale-out (queue mode). scaleOut1vs2Workers: throughput of a CPU-bound flow (local segmentation)
// with two `atelier worker` processes against one, same API, same Redis, same run. queueOverheadMs:
// per-run latency the queue adds to the 10-node chain (queue + in-process worker vs RunManager).
// Fairness: each worker process gets one CPU thread (ATELIER_CPU_THREADS=1), so one worker uses one
// core and a second worker has a core to add; each takes two runs at a time (WORKER_RUNS) so its
// thread is not idle while the next run is fetched and its image decoded. Every segmentation run
// moves its click, so no run is served from the cache (checked: no segment node may be cached).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition } from '../nodes/api';
import type { Flow } from '../model/flow';
import { createAtelier, type Atelier } from '../runtime/atelier';
import { redisAvailable, startRedis } from '../test/scale/harness';
import { median, printTable } from './table';

const increment = defineNode({
  type: 'bench.inc',
  title: 'Increment',
  category: 'bench',
  description: 'n + 1',
  version: 1,
  inputs: { n: { type: 'number', optional: true, default: 0 } },
  outputs: { n: { type: 'number' } },
  params: z.object({ salt: z.number().default(0) }),
  deterministic: true,
  async run(_ctx, inputs) {
    return { n: inputs.n + 1 };
  },
}) as AnyNodeDefinition;

function chain(salt: number): Flow {
  const nodes = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, type: 'bench.inc', position: { x: i * 10, y: 0 }, params: { salt } }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: `n${i}`, sourceHandle: 'n', target: n.id, targetHandle: 'n' }));
  return { format: 'atelier.flow/1', name: 'chain', revision: 0, inputs: {}, outputs: { n: { node: 'n9', port: 'n' } }, nodes, edges };
}

/** Load the sample photo and segment it on the CPU; `i` moves a click so no run hits the cache. */
function segmentFlow(i: number): Flow {
  return {
    format: 'atelier.flow/1',
    name: 'segment',
    revision: 0,
    inputs: {},
    outputs: { mask: { node: 'segment', port: 'mask' } },
    nodes: [
      { id: 'load', type: 'image.load', position: { x: 0, y: 0 }, params: { asset: 'astronaut.png' } },
      { id: 'segment', type: 'sam2.segment', position: { x: 200, y: 0 }, params: { backend: 'local', box: [15, 10, 370, 511], points: [{ label: 1, x: 150 + (i % 100), y: 100 + (Math.floor(i / 100) % 100) }] } },
    ],
    edges: [{ id: 'e1', source: 'load', sourceHandle: 'image', target: 'segment', targetHandle: 'image' }],
  };
}

const WORKER_RUNS = 2;

function worker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/atelier.js', 'worker', '--concurrency', String(WORKER_RUNS)], { env: { ...env, ATELIER_CPU_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('is taking runs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`atelier worker exited (${code}): ${out}`)));
  });
}

/** CPU seconds the processes used so far (Linux /proc, USER_HZ = 100), or NaN elsewhere. */
function cpuSeconds(children: ChildProcess[]): number {
  let ticks = 0;
  for (const child of children) {
    const stat = `/proc/${child.pid}/stat`;
    if (!existsSync(stat)) return NaN;
    const fields = readFileSync(stat, 'utf8').replace(/^.*\) /, '').split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return ticks / 100;
}

/** Runs/s of `count` segmentation runs at once, and the cores the workers kept busy meanwhile. */
async function measured(atelier: Atelier, workers: ChildProcess[], first: number, count: number): Promise<{ runsPerS: number; cores: number }> {
  const cpu = cpuSeconds(workers);
  const start = performance.now();
  const runsPerS = await throughput(atelier, first, count);
  return { runsPerS, cores: (cpuSeconds(workers) - cpu) / ((performance.now() - start) / 1000) };
}

async function throughput(atelier: Atelier, first: number, count: number): Promise<number> {
  const start = performance.now();
  const records = await Promise.all(Array.from({ length: count }, (_, i) => atelier.runs.run({ flow: segmentFlow(first + i) })));
  const failed = records.find((r) => r.status !== 'succeeded');
  if (failed) throw new Error(`a segmentation run failed: ${JSON.stringify(failed.nodes)}`);
  if (records.some((r) => r.nodes.segment.cached)) throw new Error('a segmentation run was served from the cache: the benchmark would measure nothing');
  return count / ((performance.now() - start) / 1000);
}

export async function bench(): Promise<Record<string, number>> {
  if (!redisAvailable()) {
    console.log('\nScale-out: skipped (no redis-server; apt-get install redis-server)');
    return {};
  }
  const root = mkdtempSync(join(tmpdir(), 'atelier-bench-scale-'));
  // Redis as docker-compose.yml deploys it (AOF fsync once a second): the tests' fsync-per-write Redis
  // (for restart tests) adds an fsync to every node's single-flight claim (206 ms vs 24 ms per chain here).
  const redis = await startRedis('everysec');
  const children: ChildProcess[] = [];
  const log = () => {};
  try {
    // queueOverheadMs: the same 10-node chain, sequential runs, embedded vs queue (+ in-process worker).
    const embedded = createAtelier({ dataDir: join(root, 'embedded'), nodes: [increment], env: {}, log });
    const queued = createAtelier({ dataDir: join(root, 'queued'), nodes: [increment], env: { ATELIER_REDIS_URL: redis.url }, log });
    const latency = async (atelier: Atelier, salt: number) => {
      const times: number[] = [];
      for (let i = 0; i < 60; i++) {
        const start = performance.now();
        const record = await atelier.runs.run({ flow: chain(salt + i) });
        if (record.status !== 'succeeded') throw new Error(`chain run ${record.status}`);
        if (i >= 10) times.push(performance.now() - start);
      }
      return median(times);
    };
    // One Redis round trip on this machine now, to read the queue figure against (a run makes about ten in sequence).
    const { Redis } = await import('ioredis');
    const probe = new Redis(redis.url);
    const pings: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await probe.ping();
      pings.push(performance.now() - start);
    }
    probe.disconnect();
    const embeddedMs = await latency(embedded, 1);
    const queuedMs = await latency(queued, 1_000);
    await embedded.close();
    await queued.close();

    // scaleOut1vs2Workers: one API without a worker, then one and two worker processes.
    const dataDir = join(root, 'api');
    const api = createAtelier({ dataDir, flowsDir: resolve('flows'), env: { ATELIER_REDIS_URL: redis.url }, noWorker: true, log });
    const env = { ...process.env, ATELIER_REDIS_URL: redis.url, ATELIER_DATA: dataDir, ATELIER_FLOWS: resolve('flows') };
    children.push(await worker(env));
    await throughput(api, 2_000, WORKER_RUNS); // warm-up: loads OpenCV.js in the worker
    const runs = 8;
    const one = await measured(api, children, 0, runs);
    children.push(await worker(env));
    // Warm-up of the second worker: more runs at once than the first takes, so the second gets some.
    await throughput(api, 3_000, 2 * WORKER_RUNS);
    const two = await measured(api, children, 1_000, runs);
    await api.close();

    const load = loadavg()[0];
    console.log(`\nScale-out (queue mode on BullMQ/Redis), local segmentation of a 512×512 photo, ${runs} runs at once; 10-node chain, 50 sequential runs.`);
    console.log(`Load average (1 min) at the end: ${load.toFixed(2)} on ${availableParallelism()} cores: other work on the machine lowers the 2-worker figure.`);
    console.log(`Cores the workers kept busy: ${one.cores.toFixed(2)} with 1 worker, ${two.cores.toFixed(2)} with 2 (2 workers can only scale where a second core is free).`);
    printTable('Scale-out', [
      { name: 'segment runs/s, 2 workers', value: two.runsPerS, unit: 'runs/s', baseline: { name: '1 worker', value: one.runsPerS }, target: '≥ 1.6× on 2 free cores' },
      { name: '10-node chain latency, queue', value: queuedMs, unit: 'ms', baseline: { name: 'in-process', value: embeddedMs } },
      { name: 'Redis round trip (PING)', value: median(pings), unit: 'ms' },
    ]);
    return {
      scaleOut1vs2Workers: two.runsPerS / one.runsPerS,
      scaleOutOneWorkerRunsPerS: one.runsPerS,
      scaleOutCores1Worker: one.cores,
      scaleOutCores2Workers: two.cores, queueOverheadMs: queuedMs - embeddedMs, queueChainMs: queuedMs, inProcessChainMs: embeddedMs, redisRoundTripMs: median(pings), scaleLoadAvg1: load };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(redis.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await bench()));
