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
import { buildFlow } from '../helpers/flow-builder';
import { solidPng } from '../fakes/images';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai';
import { chainWithProvider, countChain, fanWithFailure, flaky, imagePipeline } from './flows';
import { expectGapless, poll, readEvents, redisAvailable, startProc, startRedis, tempRoot, type Proc, type RedisProcess } from './harness';
import { scaleTestNodes } from './nodes';

const enabled = redisAvailable();
const dir = tempRoot();
const countFile = join(dir.root, 'count.log');
const slotFile = join(dir.root, 'slot.log');
const OPENAI_KEY = 'sk-scale-test-0123456789';
let redis: RedisProcess;
let openai: OpenAIFake;
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
    ATELIER_TEST_ALLOW_DIE: '1',
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${openai.url}/v1`,
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
  openai = await startOpenAIFake({ apiKey: OPENAI_KEY, image: await solidPng(32, 32, [200, 40, 40]) });
  [api] = await Promise.all([startProc('api', env()), startWorker(), startWorker()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...workers.map((w) => w.kill('SIGKILL')), api?.kill('SIGKILL')]);
  await redis?.dispose();
  await openai?.close();
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

  it('hands the runs of a SIGKILLed worker to the other one, which resumes them without re-running finished nodes or provider calls', async () => {
    const before = executions().length;
    const tag = `kill-${Date.now()}`;
    const prompts = Array.from({ length: 6 }, (_, i) => `a red hat ${tag} #${i}`);
    const runIds = await Promise.all(prompts.map((prompt, i) => start(chainWithProvider(6, `${tag}-${i}`, prompt, 250))));
    const providerCalls = (prompt: string) =>
      openai.requests.filter((req) => req.url.pathname === '/v1/images/generations' && JSON.parse(req.body.toString('utf8')).prompt === prompt).length;
    // Kill a worker mid-run once one of its runs has finished its provider call and some counting nodes.
    const victimId = await poll('a worker with finished provider and counting nodes', async () => {
      const list = (await (await fetch(`${api.ready}/api/workers`)).json()) as WorkerInfo[];
      for (const worker of list) {
        for (const runId of worker.runs.filter((id) => runIds.includes(id))) {
          const { nodes } = await record(runId);
          if (nodes.g?.status === 'succeeded' && nodes.c1?.status === 'succeeded' && nodes.c5?.status !== 'succeeded') return worker.id;
        }
      }
      return undefined;
    });
    const victim = workers.find((w) => w.ready === victimId)!;
    await victim.kill('SIGKILL');
    const records = await Promise.all(runIds.map((id) => poll(`run ${id} to finish`, async () => {
      const r = await record(id);
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, 60_000)));
    for (const r of records) {
      expect(r.status).toBe('succeeded');
      expect(r.outputs.total).toBe(21);
      expect(r.outputs.image).toMatchObject({ mediaType: 'image/png', width: 16 });
    }
    // A provider call is made again only when it had not finished when its worker died.
    const providerFinishedBeforeResume = new Set<string>();
    let resumedRuns = 0;
    const lines = executions().slice(before);
    for (const [i, id] of runIds.entries()) {
      const events = await readEvents(api.ready, id);
      expectGapless(events);
      const resumedAt = events.findIndex((e) => e.type === 'run.resumed');
      if (resumedAt < 0) {
        expect(providerCalls(prompts[i]), prompts[i]).toBe(1);
        continue;
      }
      resumedRuns++;
      const resumed = events[resumedAt] as RunEvent & { worker: string };
      expect(resumed.worker).not.toBe(victim.ready);
      const finishedBefore = events.slice(0, resumedAt).filter((e) => e.type === 'node.finished').map((e) => (e as { nodeId: string }).nodeId);
      if (finishedBefore.includes('g')) providerFinishedBeforeResume.add(id);
      if (finishedBefore.includes('g')) expect(providerCalls(prompts[i]), prompts[i]).toBe(1);
      else expect(providerCalls(prompts[i]), prompts[i]).toBeLessThanOrEqual(2); // in flight when the worker died
      for (const nodeId of finishedBefore) {
        if (nodeId.startsWith('c')) expect(lines.filter((line) => line.startsWith(`${id} ${nodeId} `)), `${id} ${nodeId}`).toHaveLength(1);
        const after = events.slice(resumedAt).filter((e) => e.type === 'node.started' && e.nodeId === nodeId);
        expect(after, `${id} ${nodeId} started again`).toHaveLength(0);
        const again = events.slice(resumedAt).find((e) => e.type === 'node.finished' && e.nodeId === nodeId) as { cached: boolean } | undefined;
        expect(again?.cached, `${id} ${nodeId}`).toBe(true);
      }
    }
    expect(resumedRuns).toBeGreaterThan(0);
    // The provider branch finishes long before the 6 × 250 ms chain: resumed runs reuse its result.
    expect(providerFinishedBeforeResume.size).toBeGreaterThan(0);
    await startWorker();
  }, 120_000);

  it('executes a node once when identical runs race on both workers (single-flight through Redis)', async () => {
    const flow = countChain(2, `flight${Date.now()}`, 400);
    const records = await Promise.all(Array.from({ length: 10 }, async () => (await (await post(flow, true)).json()) as RunRecord));
    const ids = new Set(records.map((r) => r.id));
    for (const r of records) {
      expect(r.status).toBe('succeeded');
      expect(r.outputs.total).toBe(3);
    }
    const ran = executions().filter((line) => ids.has(line.split(' ')[0]));
    expect(ran.filter((line) => line.split(' ')[1] === 'c0')).toHaveLength(1);
    expect(ran.filter((line) => line.split(' ')[1] === 'c1')).toHaveLength(1);
    const leaders = new Set<string>();
    for (const r of records) {
      for (const event of await readEvents(api.ready, r.id)) if (event.type === 'node.finished' && event.sharedWith) leaders.add(event.sharedWith);
    }
    expect([...leaders].every((id) => ids.has(id))).toBe(true);
    expect(leaders.size).toBeGreaterThan(0);
  }, 60_000);

  it('cancels a run executing on a worker from the API', async () => {
    const runId = await start(buildFlow([['w', 'test.wait', { ms: 30_000, tag: `cancel${Date.now()}` }], ['after', 'test.number', { value: 1 }]], ['w.value -> after.add']));
    await poll('the wait node to run', async () => (await record(runId)).nodes.w?.status === 'running' || undefined);
    // The run list (what the editor's queue polls) says running while the run is quiet: a live run's status is its record's.
    await poll('the run list to say running', async () => {
      const list = (await (await fetch(`${api.ready}/api/runs?limit=50`)).json()) as Array<{ id: string; status: string }>;
      return list.find((r) => r.id === runId)?.status === 'running' || undefined;
    }, 5_000);
    const startedAt = Date.now();
    const response = await fetch(`${api.ready}/api/runs/${runId}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    const done = await poll('the cancelled run', async () => {
      const r = await record(runId);
      return r.status === 'running' ? undefined : r;
    });
    expect(done.status).toBe('cancelled');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(done.nodes.w.status).toBe('cancelled');
    expect(done.nodes.after.status).toBe('skipped');
    const events = await readEvents(api.ready, runId);
    expectGapless(events);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'cancelled' });
  });

  it('holds ATELIER_CONCURRENCY_<KEY> across all workers', async () => {
    writeFileSync(slotFile, '');
    const runs = Array.from({ length: 8 }, (_, i) => buildFlow([['s', 'test.slot', { ms: 300, salt: `${i}-${Date.now()}` }]]));
    const records = await Promise.all(runs.map(async (flow) => (await (await post(flow, true)).json()) as RunRecord));
    for (const r of records) expect(r.status).toBe('succeeded');
    const marks = readFileSync(slotFile, 'utf8').trim().split('\n').map((line) => {
      const [kind, at, pid] = line.split(' ');
      return { delta: kind === 'start' ? 1 : -1, at: Number(at), pid };
    });
    marks.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let active = 0;
    let max = 0;
    for (const mark of marks) max = Math.max(max, (active += mark.delta));
    expect(max).toBe(2);
    expect(new Set(marks.map((m) => m.pid)).size).toBe(2);
  }, 60_000);

  it('replays every event to a client of a restarted API, and the run finishes', async () => {
    const runId = await start(countChain(8, `restart${Date.now()}`, 250));
    const seen = await poll('some events', async () => ((await record(runId)).lastSeq >= 6 ? (await record(runId)).lastSeq : undefined));
    await api.kill('SIGKILL');
    api = await startProc('api', env());
    const done = await poll('the run on the new API', async () => {
      const r = await record(runId);
      return r.status === 'succeeded' ? r : undefined;
    }, 60_000);
    expect(done.outputs.total).toBe(36);
    const all = await readEvents(api.ready, runId);
    expectGapless(all);
    expect(all.filter((e) => e.type === 'node.finished')).toHaveLength(8);
    const rest = await readEvents(api.ready, runId, seen);
    expect(rest[0].seq).toBe(seen + 1);
    expect(rest.at(-1)!.type).toBe('run.finished');
  }, 120_000);

  it('keeps queued and running runs through a Redis restart', async () => {
    const runIds = await Promise.all(Array.from({ length: 4 }, (_, i) => start(countChain(4, `redis${i}-${Date.now()}`, 200))));
    const logged = api.output().length;
    const apiLog = () => api.output().slice(logged);
    await redis.stop('SIGTERM');
    // The API has noticed: its connections report Redis unreachable and are retrying.
    await poll('the API to report Redis unreachable', () => /redis \(atelier-api[^)]*\): .*reconnecting/.test(apiLog()) || undefined);
    // Accepted while Redis is away, queued once it is back.
    const whileDown = await post(countChain(3, `down${Date.now()}`));
    expect(whileDown.status).toBe(202);
    const late = (await whileDown.json()) as { runId: string };
    expect((await record(late.runId)).status).toBe('queued');
    await redis.start();
    await poll('the API to reconnect', () => /redis \(atelier-api[^)]*\): connected again/.test(apiLog()) || undefined);
    for (const id of [...runIds, late.runId]) {
      const done = await poll(`run ${id}`, async () => {
        const r = await record(id);
        return r.status === 'queued' || r.status === 'running' ? undefined : r;
      }, 60_000);
      expect(done.status, id).toBe('succeeded');
      expectGapless(await readEvents(api.ready, id));
    }
  }, 120_000);

  it('fails a run whose worker keeps dying after ATELIER_RUN_ATTEMPTS, with a clear error', async () => {
    const runId = await start(buildFlow([['d', 'test.die', { salt: `${Date.now()}` }]]));
    const done = await poll('the run to be given up', async () => {
      for (const [i, worker] of workers.entries()) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) continue;
        if (workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length < 2) {
          workers.splice(i, 1);
          await startWorker();
        }
      }
      const r = await record(runId);
      return r.status === 'failed' ? r : undefined;
    }, 90_000);
    expect(done.error).toMatch(/worker stopped 3 times/);
    expect(executions().filter((line) => line.startsWith(`${runId} d `))).toHaveLength(3);
    const events = await readEvents(api.ready, runId);
    expectGapless(events);
    expect(events.filter((e) => e.type === 'run.resumed')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed' });
  }, 120_000);
});
