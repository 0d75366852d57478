// Property: over random histories of runs (flows, origins), events, previews, batches, gallery entries,
// saved flows and cache rows, old and new, small and large (stored deflated), gc never removes an artifact
// something kept still references — and it does remove the old ones nothing references (so the
// property is not met by removing nothing).
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../nodes/api';
import type { RunEvent, RunRecord, RunStatus } from '../../model/events';
import { BatchStore } from './batches';
import { collectGarbage, FLOW_SCAN_CHUNK_BYTES, MAX_GC_DAYS, retentionDays } from './gc';
import { openStore, type Store } from './index';
import { runOrigins } from './run-origins';
import { DEFLATE_FROM } from './stored-json';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const DAYS = 10;
const OLD = new Date(NOW.getTime() - 20 * 86_400_000).toISOString();
const NEW = new Date(NOW.getTime() - 86_400_000).toISOString();
const ARTIFACTS = 10;
const padding = 'a long text '.repeat(DEFLATE_FROM / 6);

const refs = fc.uniqueArray(fc.nat(ARTIFACTS - 1), { maxLength: 3 });
const history = fc.record({
  oldArtifacts: fc.array(fc.boolean(), { minLength: ARTIFACTS, maxLength: ARTIFACTS }),
  runs: fc.array(
    fc.record({
      old: fc.boolean(),
      status: fc.constantFrom<RunStatus>('succeeded', 'failed', 'cancelled', 'interrupted', 'running', 'queued'),
      record: refs,
      events: refs,
      previews: refs,
      flow: refs,
      /** Inputs of a run of a flow with inputs: its origin row (absent: the run was of the flow as it stands). */
      origin: fc.option(refs, { nil: undefined }),
      /** Big enough that its flow, record and events are stored deflated. */
      large: fc.boolean(),
    }),
    { maxLength: 6 },
  ),
  /** Sweeps over some of the runs (an index past the last run: a run already gone), naming artifacts in their inputs. */
  batches: fc.array(fc.record({ old: fc.boolean(), runs: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 3 }), inputs: refs }), { maxLength: 3 }),
  gallery: refs,
  flows: fc.array(refs, { maxLength: 3 }),
  cache: fc.array(fc.record({ old: fc.boolean(), outputs: refs }), { maxLength: 4 }),
  /** Rows gc reads between two turns of the event loop: 1 and 2 make every table span pages. */
  pageRows: fc.constantFrom(1, 2, 256),
});

type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

/** A store on a temp data dir beside an empty flows dir, removed afterwards. */
async function withTempStore(test: (store: Store, flowsDir: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-gc-'));
  const flowsDir = join(root, 'flows');
  mkdirSync(flowsDir);
  const store = openStore(join(root, 'data'));
  try {
    await test(store, flowsDir);
  } finally {
    store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** An artifact whose row says it was stored at `createdAt`. */
async function artifactFrom(store: Store, text: string, createdAt: string): Promise<Artifact> {
  const handle = await store.artifacts.put(Buffer.from(text));
  store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(createdAt, handle.artifact);
  return handle;
}

async function check(h: History): Promise<void> {
  await withTempStore(async (store, flowsDir) => {
    const handles: Artifact[] = [];
    for (let i = 0; i < ARTIFACTS; i++) handles.push(await artifactFrom(store, `artifact number ${i}`, h.oldArtifacts[i] ? OLD : NEW));
    const referenced = new Set<number>();
    h.runs.forEach((run, j) => {
      const unfinished = run.status === 'running' || run.status === 'queued';
      const at = run.old ? OLD : NEW;
      const record: RunRecord = {
        id: `run-${j}`,
        ...(run.large ? { error: padding } : {}),
        status: run.status,
        startedAt: at,
        ...(unfinished ? {} : { finishedAt: at }),
        outputs: Object.fromEntries(run.record.map((i) => [`out${i}`, handles[i]])),
        nodes: { n: { status: 'succeeded', cached: false, outputs: Object.fromEntries(run.record.map((i) => [`p${i}`, handles[i]])) } },
      };
      const loads = run.flow.map((i) => ({ id: `load${i}`, type: 'image.load', position: { x: 0, y: 0 }, params: { artifact: handles[i].artifact } }));
      const flow = { format: 'atelier.flow/1' as const, name: run.large ? padding : 'f', revision: 1, inputs: {}, outputs: {}, nodes: loads, edges: [] };
      store.runs.create(record, flow);
      if (run.origin) runOrigins(store.db).save(record.id, flow, Object.fromEntries(run.origin.map((i) => [`in${i}`, handles[i]])));
      let seq = 0;
      const event = (body: object) => store.runs.appendEvent({ runId: record.id, seq: ++seq, ts: at, ...body } as RunEvent);
      if (run.large) event({ type: 'node.progress', nodeId: 'n', fraction: 0, message: padding });
      for (const i of run.previews) event({ type: 'node.progress', nodeId: 'n', fraction: 0.5, preview: handles[i] });
      event({ type: 'node.finished', nodeId: 'n', cached: false, durationMs: 1, outputs: Object.fromEntries(run.events.map((i) => [`p${i}`, handles[i]])) });
      if (!run.old || unfinished) for (const i of [...run.record, ...run.events, ...run.previews, ...run.flow, ...(run.origin ?? [])]) referenced.add(i);
    });
    const runKept = (j: number) => j < h.runs.length && (!h.runs[j].old || h.runs[j].status === 'running' || h.runs[j].status === 'queued');
    const batchKept = (b: History['batches'][number]) => !b.old || b.runs.some(runKept);
    const batches = new BatchStore(store.db);
    h.batches.forEach((b, k) => {
      const inputs = Object.fromEntries(b.inputs.map((i) => [`in${i}`, handles[i]]));
      batches.create({ id: `batch-${k}`, mode: 'product', axes: [], inputs, runs: b.runs.map((j) => ({ runId: `run-${j}`, sweep: {} })), createdAt: b.old ? OLD : NEW });
      if (batchKept(b)) for (const i of b.inputs) referenced.add(i);
    });
    for (const i of h.gallery) {
      await store.gallery.add({ artifact: handles[i], prompt: 'kept' });
      referenced.add(i);
    }
    h.flows.forEach((names, k) => {
      writeFileSync(join(flowsDir, `flow-${k}.json`), JSON.stringify({ nodes: names.map((i) => ({ id: `n${i}`, type: 'image.load', params: { artifact: handles[i].artifact } })) }));
      for (const i of names) referenced.add(i);
    });
    h.cache.forEach((row, k) => {
      store.cache.set(`key-${k}`, 't', { outputs: Object.fromEntries(row.outputs.map((i) => [`o${i}`, handles[i]])) });
      store.cache.flush();
      store.db.prepare('UPDATE cache SET created_at = ? WHERE key = ?').run(row.old ? OLD : NEW, `key-${k}`);
      if (!row.old) for (const i of row.outputs) referenced.add(i);
    });
    store.runs.flush();

    const dry = await collectGarbage(store, { days: DAYS, flowsDir, now: NOW, dryRun: true, pageRows: h.pageRows });
    const report = await collectGarbage(store, { days: DAYS, flowsDir, now: NOW, pageRows: h.pageRows });
    expect(report.removedArtifacts.sort()).toEqual(dry.removedArtifacts.sort());
    expect(report.bytes).toBe(dry.bytes);
    expect([dry.batches, report.batches]).toEqual(Array(2).fill(h.batches.filter((b) => !batchKept(b)).length));
    h.batches.forEach((b, k) => expect(batches.get(`batch-${k}`) !== undefined, `batch ${k}`).toBe(batchKept(b)));
    // An old unfinished run may have a node holding an artifact stored since it began, named nowhere yet.
    const oldUnfinished = h.runs.some((run) => run.old && (run.status === 'running' || run.status === 'queued'));
    expect(report.keptSince).toBe(oldUnfinished ? OLD : undefined);
    for (let i = 0; i < ARTIFACTS; i++) {
      const present = existsSync(store.artifacts.pathOf(handles[i].artifact)) && store.artifacts.get(handles[i].artifact) !== undefined;
      const mustStay = referenced.has(i) || !h.oldArtifacts[i] || oldUnfinished;
      expect(present, `artifact ${i} (old: ${h.oldArtifacts[i]}, referenced: ${referenced.has(i)})`).toBe(mustStay);
    }
    // An old cache row stays while everything it names is kept (a kept run used it); plain values go at their age.
    const cacheKept = h.cache.map((row) => !row.old || (row.outputs.length > 0 && row.outputs.every((i) => referenced.has(i))));
    expect([dry.cacheRows, report.cacheRows]).toEqual(Array(2).fill(cacheKept.filter((kept) => !kept).length));
    const cacheRow = store.db.prepare('SELECT 1 FROM cache WHERE key = ?');
    cacheKept.forEach((kept, k) => expect(cacheRow.get(`key-${k}`) !== undefined, `cache row ${k}`).toBe(kept));
    // Kept runs still read whole; removed runs are gone with their events and origins.
    const originRows = store.db.prepare('SELECT run_id FROM run_origins').pluck();
    const origins = new Set(originRows.all() as string[]);
    h.runs.forEach((run, j) => {
      const kept = runKept(j);
      expect(store.runs.get(`run-${j}`) !== undefined).toBe(kept);
      expect(store.runs.eventsSince(`run-${j}`).length > 0).toBe(kept);
      expect(origins.has(`run-${j}`), `origin of run ${j}`).toBe(kept && run.origin !== undefined);
      if (kept) expect(runOrigins(store.db).get(`run-${j}`)?.flow.nodes.length).toBe(run.flow.length);
    });
  });
}

describe('gc', () => {
  it('never removes a referenced artifact, and removes old unreferenced ones (random histories)', async () => {
    await fc.assert(fc.asyncProperty(history, check), { seed: 20261130, numRuns: 60, interruptAfterTimeLimit: 8_000 });
  }, 30_000);
});

describe('gc and the cache', () => {
  it('keeps an old cache row a kept run got its result from, so that node does not run again', async () => {
    await withTempStore(async (store, flowsDir) => {
      const pinned = await artifactFrom(store, 'a result used every day', OLD);
      const mask = await artifactFrom(store, 'its second output', OLD);
      const stale = await artifactFrom(store, 'a result nobody uses', OLD);
      const rows = { used: { image: pinned, mask }, stale: { image: stale }, plain: { n: 7 } };
      for (const [key, outputs] of Object.entries(rows)) store.cache.set(key, 'openai.image', { outputs });
      store.cache.flush();
      store.db.prepare('UPDATE cache SET created_at = ?').run(OLD);
      // Yesterday's run was answered from the cache: its node.finished names both outputs.
      store.runs.create({ id: 'yesterday', status: 'succeeded', startedAt: NEW, finishedAt: NEW, outputs: {}, nodes: {} }, { format: 'atelier.flow/1', name: 'f', revision: 1, inputs: {}, outputs: {}, nodes: [], edges: [] });
      store.runs.appendEvent({ runId: 'yesterday', seq: 1, ts: NEW, type: 'node.finished', nodeId: 'gen', cached: true, durationMs: 0, outputs: rows.used });
      store.runs.flush();

      const report = await collectGarbage(store, { days: DAYS, flowsDir, now: NOW });
      expect(report.cacheRows).toBe(2);
      expect(report.removedArtifacts).toEqual([stale.artifact]);
      store.cache.forgetMemory();
      expect(store.cache.get('used')?.outputs).toEqual(rows.used);
      expect(store.cache.get('stale')).toBeUndefined();
      expect(store.cache.get('plain')).toBeUndefined();
    });
  });
});

describe('ATELIER_RETENTION_DAYS', () => {
  it('is off unset or empty, takes days as the API does (fractions too), and refuses what is no retention', () => {
    expect(retentionDays({})).toBeUndefined();
    expect(retentionDays({ ATELIER_RETENTION_DAYS: ' ' })).toBeUndefined();
    expect(retentionDays({ ATELIER_RETENTION_DAYS: '30' })).toBe(30);
    expect(retentionDays({ ATELIER_RETENTION_DAYS: '0.5' })).toBe(0.5);
    expect(retentionDays({ ATELIER_RETENTION_DAYS: String(MAX_GC_DAYS) })).toBe(MAX_GC_DAYS);
    // 1e308 days has no cutoff date: the server started, then every pass failed with "Invalid time value".
    for (const raw of ['abc', '-1', 'Infinity', '1e308', String(MAX_GC_DAYS + 1)]) {
      expect(() => retentionDays({ ATELIER_RETENTION_DAYS: raw })).toThrow(`ATELIER_RETENTION_DAYS must be a number of days from 0 to ${MAX_GC_DAYS}, got "${raw}"`);
    }
  });
});

describe('gc and the files in the flows dir', () => {
  // A FIFO there held gc forever on its read; a directory ended it with a bare EISDIR.
  it.runIf(process.platform !== 'win32')('scans a flow file of any size a piece at a time, and skips what is not a file', async () => {
    await withTempStore(async (store, flowsDir) => {
      const named = await artifactFrom(store, 'named by a large flow file', OLD);
      const unnamed = await artifactFrom(store, 'named by nothing', OLD);
      // The hash straddles the end of the first piece read.
      writeFileSync(join(flowsDir, 'large.json'), `${' '.repeat(FLOW_SCAN_CHUNK_BYTES - 30)}"${named.artifact}"`);
      execFileSync('mkfifo', [join(flowsDir, 'fifo.json')]);
      mkdirSync(join(flowsDir, 'folder.json'));
      const report = await collectGarbage(store, { days: DAYS, flowsDir, now: NOW });
      expect(report.removedArtifacts).toEqual([unnamed.artifact]);
      expect(existsSync(store.artifacts.pathOf(named.artifact))).toBe(true);
    });
  });
});

describe('gc beside a live server', () => {
  it('reads in pages, and keeps an old artifact that work done meanwhile comes to reference', async () => {
    await withTempStore(async (store, flowsDir) => {
      const old: Artifact[] = [];
      for (let i = 0; i < 6; i++) old.push(await artifactFrom(store, `old artifact ${i}`, OLD));
      const run = (id: string, status: RunStatus, at: string): RunRecord => ({ id, status, startedAt: at, ...(status === 'running' ? {} : { finishedAt: at }), outputs: {}, nodes: {} });
      const flow = { format: 'atelier.flow/1' as const, name: 'f', revision: 1, inputs: {}, outputs: {}, nodes: [], edges: [] };
      // A live run whose events the pass reads early (its id sorts first), and many kept runs after it.
      store.runs.create(run('a-live', 'running', NEW), flow);
      store.runs.appendEvent({ runId: 'a-live', seq: 1, ts: NEW, type: 'run.started' });
      for (let i = 0; i < 40; i++) store.runs.create(run(`kept-${String(i).padStart(2, '0')}`, 'succeeded', NEW), flow);
      store.runs.flush();
      for (let i = 0; i < 100; i++) store.cache.set(`key-${i}`, 't', { outputs: { n: i } });
      store.cache.flush();

      let turns = 0;
      let passing = true;
      const count = () => {
        turns++;
        if (passing) setImmediate(count);
      };
      setImmediate(count);
      const pass = collectGarbage(store, { days: DAYS, flowsDir, now: NOW, pageRows: 4 });
      // Tables are read in turn (runs: 11 pages, origins, events, batches, gallery: 1 each, cache: 25); after
      // 20 turns the pass reads the cache, past every page the following changes belong to. Then the
      // live run's next event, a new run, a gallery entry and a saved flow come to name old artifacts 0–3.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      store.runs.appendEvent({ runId: 'a-live', seq: 2, ts: NEW, type: 'node.finished', nodeId: 'n', cached: false, durationMs: 1, outputs: { image: old[0] } });
      store.runs.create({ ...run('z-new', 'succeeded', NEW), outputs: { image: old[1] } }, flow);
      const added = store.gallery.add({ artifact: old[2], prompt: 'added during gc' }); // its row at once, its file after
      writeFileSync(join(flowsDir, 'saved.json'), JSON.stringify({ nodes: [{ id: 'n', type: 'image.load', params: { artifact: old[3].artifact } }] }));
      const report = await pass;
      await added;
      passing = false;

      expect(turns).toBeGreaterThanOrEqual(35); // 140 rows at 4 a page: the loop turned between pages
      expect(report.removedArtifacts.sort()).toEqual([old[4].artifact, old[5].artifact].sort());
      for (const i of [0, 1, 2, 3]) expect(existsSync(store.artifacts.pathOf(old[i].artifact)), `artifact ${i}`).toBe(true);
    });
  });
});
