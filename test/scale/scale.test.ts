// Issue 14 end to end with real processes: Redis, one API (no worker of its own) and two worker
// processes. Runs go through BullMQ; events come back through Redis streams with the same contract
// as single-process mode.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { createAtelier } from '../../runtime/atelier';
import type { WorkerInfo } from '../../runtime/queue/run-service';
import { countChain, fanWithFailure, flaky, imagePipeline } from './flows';
import { expectGapless, poll, readEvents, redisAvailable, startProc, startRedis, tempRoot, type Proc, type RedisProcess } from './harness';
import { scaleTestNodes } from './nodes';

const enabled = redisAvailable();
const dir = tempRoot();
const countFile = join(dir.root, 'count.log');
const slotFile = join(dir.root, 'slot.log');
let redis: RedisProcess;
let api: Proc;
const workers: Proc[] = [];

function env(): Record<string, string> {
  return {
    ATELIER_REDIS_URL: redis.url,
    ATELIER_DATA: join(dir.root, 'api-data'),
    ATELIER_ARTIFACTS_DIR: join(dir.root, 'shared-artifacts'),
    ATELIER_FLOWS: dir.flowsDir,
    ATELIER_QUEUE_LOCK_MS: '1500',
    ATELIER_QUEUE_STALLED_INTERVAL_MS: '500',
    ATELIER_WORKER_HEARTBEAT_MS: '300',
    ATELIER_CONCURRENCY_TEST_SLOT: '2',
    ATELIER_TEST_COUNT_FILE: countFile,
    ATELIER_TEST_SLOT_FILE: slotFile,
  };
}

async function startWorker(): Promise<Proc> {
  const worker = await startProc('worker', env());
  workers.push(worker);
  return worker;
}

async function post(flow: Flow, wait = false): Promise<Response> {
  return fetch(`${api.ready}/api/runs${wait ? '?wait=1' : ''}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow }) });
}

async function start(flow: Flow): Promise<string> {
  const response = await post(flow);
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

async function record(runId: string): Promise<RunRecord & { lastSeq: number }> {
  return (await fetch(`${api.ready}/api/runs/${runId}`)).json() as Promise<RunRecord & { lastSeq: number }>;
}

function executions(): string[] {
  try {
    return readFileSync(countFile, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

beforeAll(async () => {
  if (!enabled) return;
  writeFileSync(countFile, '');
  redis = await startRedis();
  [api] = await Promise.all([startProc('api', env()), startWorker(), startWorker()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...workers.map((w) => w.kill('SIGKILL')), api?.kill('SIGKILL')]);
  await redis?.stop('SIGKILL');
  dir.remove();
});

describe.skipIf(!enabled)('scale-out: one API, two workers on BullMQ', () => {
  it('runs 40 mixed flows on the workers with outputs identical to single-process mode', async () => {
    const flows: Flow[] = [];
    for (let i = 0; i < 40; i++) {
      const kind = i % 4;
      flows.push(kind === 0 ? countChain(5, `mix${i}`) : kind === 1 ? fanWithFailure(`mix${i}`) : kind === 2 ? flaky(`mix${i}`) : imagePipeline(dir.flowsDir, 96 + (i % 3) * 16));
    }
    const queued = await Promise.all(flows.map(async (flow) => (await (await post(flow, true)).json()) as RunRecord));

    const local = createAtelier({ dataDir: join(dir.root, 'local-data'), flowsDir: dir.flowsDir, nodes: scaleTestNodes({}), env: {}, log: () => {} });
    try {
      for (let i = 0; i < flows.length; i++) {
        const expected = await local.runs.run({ flow: flows[i] });
        const got = queued[i];
        expect(got.status, `run ${i}`).toBe(expected.status);
        expect(got.outputs, `run ${i}`).toEqual(expected.outputs);
        expect(Object.fromEntries(Object.entries(got.nodes).map(([id, n]) => [id, [n.status, n.outputs, n.error]]))).toEqual(
          Object.fromEntries(Object.entries(expected.nodes).map(([id, n]) => [id, [n.status, n.outputs, n.error]])),
        );
      }
    } finally {
      await local.close();
    }
    // Both workers took runs, and every artifact named in an output downloads with its hash.
    const pids = new Set(executions().map((line) => line.split(' ')[2]));
    expect(pids.size).toBe(2);
    const image = queued[3].outputs;
    const artifact = Object.values(image)[0] as { url: string; artifact: string };
    const download = await fetch(`${api.ready}${artifact.url}`);
    expect(download.status).toBe(200);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(artifact.artifact);
    // Events: gapless, ending in run.finished, the same sequence of types as the record says.
    for (const run of queued.slice(0, 8)) {
      const events = await readEvents(api.ready, run.id);
      expectGapless(events);
      expect(events[0].type).toBe('run.queued');
      expect(events.at(-1)!.type).toBe('run.finished');
      expect((await record(run.id)).lastSeq).toBe(events.length);
    }
  }, 180_000);

  it('lists the workers with their concurrency and a recent heartbeat', async () => {
    const list = (await (await fetch(`${api.ready}/api/workers`)).json()) as WorkerInfo[];
    const ids = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => w.ready).sort();
    expect(list.map((w) => w.id)).toEqual(ids);
    for (const worker of list) {
      expect(worker.concurrency).toBe(4);
      expect(Date.now() - Date.parse(worker.lastHeartbeat)).toBeLessThan(5_000);
    }
  });

  it('hands the runs of a SIGKILLed worker to the other one, which resumes them without re-running finished nodes', async () => {
    const before = executions().length;
    const runIds = await Promise.all(Array.from({ length: 6 }, (_, i) => start(countChain(6, `kill${i}-${Date.now()}`, 250))));
    const byPid = () => {
      const counts = new Map<string, number>();
      for (const line of executions().slice(before)) counts.set(line.split(' ')[2], (counts.get(line.split(' ')[2]) ?? 0) + 1);
      return counts;
    };
    // Kill a worker once it has finished some nodes of its runs.
    const victimPid = await poll('a worker with finished nodes', () => [...byPid()].find(([, n]) => n >= 4)?.[0]);
    const victim = workers.find((w) => String(w.child.pid) === victimPid)!;
    await victim.kill('SIGKILL');
    const records = await Promise.all(runIds.map((id) => poll(`run ${id} to finish`, async () => {
      const r = await record(id);
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, 60_000)));
    for (const r of records) {
      expect(r.status).toBe('succeeded');
      expect(r.outputs.total).toBe(21);
    }
    let resumedRuns = 0;
    const lines = executions().slice(before);
    for (const id of runIds) {
      const events = await readEvents(api.ready, id);
      expectGapless(events);
      const resumedAt = events.findIndex((e) => e.type === 'run.resumed');
      if (resumedAt < 0) continue;
      resumedRuns++;
      const resumed = events[resumedAt] as RunEvent & { worker: string };
      expect(resumed.worker).not.toBe(victim.ready);
      const finishedBefore = events.slice(0, resumedAt).filter((e) => e.type === 'node.finished').map((e) => (e as { nodeId: string }).nodeId);
      for (const nodeId of finishedBefore) {
        expect(lines.filter((line) => line.startsWith(`${id} ${nodeId} `)), `${id} ${nodeId}`).toHaveLength(1);
        const again = events.slice(resumedAt).find((e) => e.type === 'node.finished' && e.nodeId === nodeId) as { cached: boolean } | undefined;
        expect(again?.cached).toBe(true);
      }
    }
    expect(resumedRuns).toBeGreaterThan(0);
    await startWorker();
  }, 120_000);
});
