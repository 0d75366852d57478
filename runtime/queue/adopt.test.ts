// An API process that starts on a data dir with unfinished queue-mode runs adopts them and relays
// the rest of their events. The record it starts from must be the one their stored events make: a
// live run's row holds its head, or a save older than its last events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEventBody, RunRecord } from '../../model/events';
import { applyEvent } from '../../model/run-record';
import { buildFlow } from '../../test/helpers/flow-builder';
import { redisAvailable, startRedis, type RedisProcess } from '../../test/scale/harness';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { createAtelier } from '../atelier';
import { newRunId } from '../engine/run-id';
import { openStore } from '../store';

const enabled = redisAvailable();
let redis: RedisProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-adopt-'));
  if (enabled) redis = await startRedis('everysec');
}, 60_000);

afterAll(async () => {
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!enabled)('adopting unfinished queue-mode runs', () => {
  it('rebuilds each run from its stored events, not from a row saved before the last of them', async () => {
    const dataDir = join(dir, 'data');
    const id = seedUnfinishedRun(dataDir);
    const atelier = createAtelier({ dataDir, flowsDir: join(dir, 'flows'), env: { ATELIER_REDIS_URL: redis.url }, noWorker: true, nodes: testNodes(new WaitGate(), new Map()), log: () => {} });
    try {
      expect(atelier.runs.lastSeq(id)).toBe(5);
      expect(atelier.runs.get(id)).toMatchObject({ status: 'running', nodes: { a: { status: 'succeeded', outputs: { value: 1 } }, b: { status: 'running' } } });
      // GET /api/runs shows it as its record does (its row is not saved while it is live).
      expect(atelier.store.runs.list().find((run) => run.id === id)?.status).toBe('running');
    } finally {
      await atelier.close();
    }
  });

  it('counts adopted runs against ATELIER_MAX_LIVE_RUNS, refuses runs past it and takes one again once a run ends', async () => {
    const dataDir = join(dir, 'budget');
    const adopted = seedUnfinishedRun(dataDir);
    const env = { ATELIER_REDIS_URL: redis.url, ATELIER_MAX_LIVE_RUNS: '2' };
    const atelier = createAtelier({ dataDir, flowsDir: join(dir, 'flows'), env, noWorker: true, nodes: testNodes(new WaitGate(), new Map()), log: () => {} });
    try {
      const flow = (value: number) => buildFlow([['n', 'test.number', { value }]]);
      const queued = atelier.runs.start({ flow: flow(1) }); // no worker: it stays queued
      expect(() => atelier.runs.start({ flow: flow(2) })).toThrow(/ATELIER_MAX_LIVE_RUNS/);
      atelier.runs.cancel(queued);
      expect((await atelier.runs.wait(queued))?.status).toBe('cancelled');
      const next = atelier.runs.start({ flow: flow(3) });
      expect(atelier.runs.isLive(next)).toBe(true);
      expect(atelier.runs.isLive(adopted)).toBe(true);
    } finally {
      await atelier.close();
    }
  });
});

describe.skipIf(!enabled)('ending an adopted run Redis lost, while Redis refuses writes', () => {
  it('ends it here, as failed, with its closing events stored, when its stream cannot be written', async () => {
    const dataDir = join(dir, 'full');
    const adopted = seedUnfinishedRun(dataDir);
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1'); // every write is refused: OOM
    const logs: string[] = [];
    const atelier = createAtelier({ dataDir, flowsDir: join(dir, 'flows'), env: { ATELIER_REDIS_URL: redis.url }, noWorker: true, nodes: testNodes(new WaitGate(), new Map()), log: (m) => logs.push(m) });
    try {
      // No job and no stream for it in Redis: the API ends it; its stream cannot be written, so here.
      const record = await atelier.runs.wait(adopted);
      expect(record).toMatchObject({ status: 'failed', error: expect.stringContaining('no longer in the queue'), nodes: { a: { status: 'succeeded' }, b: { status: 'failed' } } });
      expect(atelier.store.runs.eventsSince(adopted, 0).map((e) => [e.seq, e.type])).toEqual([
        [1, 'run.queued'], [2, 'run.started'], [3, 'node.started'], [4, 'node.finished'], [5, 'node.started'], [6, 'node.failed'], [7, 'run.finished'],
      ]);
      expect(logs.join('\n')).toContain(`run ${adopted}: Redis would not take its last events`);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      await atelier.close();
    }
  }, 60_000);
});

/** A queue-mode run left unfinished in `dataDir`: a row saved when node a was running, then events with a finished and b started. */
function seedUnfinishedRun(dataDir: string): string {
  const store = openStore(dataDir);
  const flow = buildFlow([['a', 'test.number', { value: 1 }], ['b', 'test.number']], ['a.value -> b.add']);
  const id = newRunId();
  const record: RunRecord = { id, status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
  store.runs.create(record, flow);
  let seq = 0;
  const emit = (body: RunEventBody) => {
    const event = { ...body, runId: id, seq: ++seq, ts: new Date().toISOString() };
    applyEvent(record, event);
    store.runs.appendEvent(event);
  };
  emit({ type: 'run.queued', nodes: ['a', 'b'] });
  emit({ type: 'run.started' });
  emit({ type: 'node.started', nodeId: 'a' });
  store.runs.save(structuredClone(record)); // a save older than the events: a is running
  store.runs.flush();
  emit({ type: 'node.finished', nodeId: 'a', cached: false, durationMs: 1, outputs: { value: 1 } });
  emit({ type: 'node.started', nodeId: 'b' });
  store.runs.flush(); // the API process is killed here, before its next save
  store.close();
  return id;
}
