// Scale-out (queue mode). scaleOut1vs2Workers: throughput of a CPU-bound flow (local segmentation)
// with two `atelier worker` processes against one, same API, same Redis, same run. queueOverheadMs:
// per-run latency the queue adds to the 10-node chain (queue + in-process worker vs RunManager).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

function worker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/atelier.js', 'worker', '--concurrency', '1'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('is taking runs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`atelier worker exited (${code}): ${out}`)));
  });
}

async function throughput(atelier: Atelier, first: number, count: number): Promise<number> {
  const start = performance.now();
  const records = await Promise.all(Array.from({ length: count }, (_, i) => atelier.runs.run({ flow: segmentFlow(first + i) })));
  const failed = records.find((r) => r.status !== 'succeeded');
  if (failed) throw new Error(`a segmentation run failed: ${JSON.stringify(failed.nodes)}`);
  return count / ((performance.now() - start) / 1000);
}

export async function bench(): Promise<Record<string, number>> {
  if (!redisAvailable()) {
    console.log('\nScale-out: skipped (no redis-server; apt-get install redis-server)');
    return {};
  }
  const root = mkdtempSync(join(tmpdir(), 'atelier-bench-scale-'));
  const redis = await startRedis();
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
    await throughput(api, 2_000, 2); // warm-up: loads OpenCV.js in the worker
    const runs = 8;
    const one = await throughput(api, 0, runs);
    children.push(await worker(env));
    await throughput(api, 3_000, 2);
    const two = await throughput(api, 1_000, runs);
    await api.close();

    console.log(`\nScale-out (queue mode on BullMQ/Redis), local segmentation of a 512×512 photo, ${runs} runs at once; 10-node chain, 50 sequential runs.`);
    printTable('Scale-out', [
      { name: 'segment runs/s, 2 workers', value: two, unit: 'runs/s', baseline: { name: '1 worker', value: one }, target: '≥ 1.6× on 2 free cores' },
      { name: '10-node chain latency, queue', value: queuedMs, unit: 'ms', baseline: { name: 'in-process', value: embeddedMs } },
      { name: 'Redis round trip (PING)', value: median(pings), unit: 'ms' },
    ]);
    return { scaleOut1vs2Workers: two / one, scaleOutOneWorkerRunsPerS: one, queueOverheadMs: queuedMs - embeddedMs, queueChainMs: queuedMs, inProcessChainMs: embeddedMs, redisRoundTripMs: median(pings) };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(redis.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await bench()));
