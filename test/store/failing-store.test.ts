// A store that cannot write (SQLite's own SQLITE_FULL, provoked with PRAGMA max_page_count on the
// real database) fails the runs it concerns with store_unavailable; the server keeps answering and
// works again once there is room. ?wait=1 answers only with what is committed.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunRecord } from '../../model/events';
import { parseStored } from '../../runtime/store/stored-json';
import { buildFlow } from '../helpers/flow-builder';
import { until } from '../helpers/poll';
import { startTestServer, type TestServer } from '../helpers/server';
import { testNodes, WaitGate } from '../helpers/test-nodes';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Enough nodes that the run's row and events need new database pages (3,000: more than any free space the pages before hold). */
function bigFlow(value: number, nodes = 300) {
  return buildFlow(Array.from({ length: nodes }, (_, i): [string, string, Record<string, unknown>] => [`n${i}`, 'test.number', { value: value + i }]));
}

/**
 * The database may not grow past what is committed now (pending writes, such as cache rows, committed
 * first). Set on every connection that commits: the main one and the store's writer thread.
 */
function fillDisk(server: TestServer): void {
  const { writes, db } = server.atelier.store;
  writes.flush();
  writes.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
}

async function post(url: string, body: unknown) {
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: answer.status, body: await answer.json() };
}

function committed(dataDir: string, runId: string) {
  const db = new Database(join(dataDir, 'atelier.db'), { readonly: true });
  try {
    const run = db.prepare('SELECT status, record_json FROM runs WHERE id = ?').get(runId) as { status: string; record_json: string | Buffer } | undefined;
    const events = (db.prepare('SELECT json FROM events WHERE run_id = ? ORDER BY first_seq').all(runId) as Array<{ json: string | Buffer }>).flatMap((r) => parseStored<RunEvent[]>(r.json));
    return { run, events };
  } finally {
    db.close();
  }
}

describe('a store that cannot write', () => {
  it('answers ?wait=1 only once the final state and events are committed', async () => {
    server = await startTestServer({ nodes: testNodes() });
    const { status, body } = await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(1) });
    expect(status).toBe(200);
    expect(body.status).toBe('succeeded');
    // A second connection sees only committed data.
    const { run, events } = committed(server.dataDir, body.id);
    expect(run?.status).toBe('succeeded');
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
    expect(events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  });

  it('fails the run with store_unavailable, keeps serving, answers 503 where the store is needed, and recovers', async () => {
    server = await startTestServer({ nodes: testNodes() });
    const { writes } = server.atelier.store;
    expect((await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(1) })).body.status).toBe('succeeded');

    fillDisk(server); // the next commit needing a page is SQLITE_FULL
    const failed = await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(1000, 3000) });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error).toMatch(/^store_unavailable: .*SQLITE_FULL/);

    // The process is alive and answers; routes that need the store say why.
    expect((await fetch(`${server.url}/api/nodes`)).status).toBe(200);
    const list = await fetch(`${server.url}/api/runs`);
    expect(list.status).toBe(503);
    expect((await list.json()).error.code).toBe('store_unavailable');
    const refused = await post(`${server.url}/api/runs`, { flow: bigFlow(2000) });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'store_unavailable' });
    expect(refused.body.error.message).toMatch(/SQLITE_FULL/);
    // The failed run's record is still served from memory while it cannot be written.
    expect((await (await fetch(`${server.url}/api/runs/${failed.body.id}`)).json()).status).toBe('failed');

    writes.pragma('max_page_count = 1073741823'); // room again
    const again = await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(3000) });
    expect(again.body.status).toBe('succeeded');
    expect((await fetch(`${server.url}/api/runs`)).status).toBe(200);
    // What could not be written then is written now, and says what happened.
    const { run, events } = committed(server.dataDir, failed.body.id);
    expect(run?.status).toBe('failed');
    expect(parseStored<RunRecord>(run!.record_json).error).toMatch(/store_unavailable/);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed', error: expect.stringMatching(/store_unavailable/) });
  });

  it('writes what it kept once the disk has room, without waiting for another request', async () => {
    server = await startTestServer({ nodes: testNodes() });
    const { dataDir } = server;
    const { writes } = server.atelier.store;
    expect((await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(1) })).body.status).toBe('succeeded');
    fillDisk(server);
    const failed = await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(1000, 3000) });
    expect(failed.body.error).toMatch(/store_unavailable/);
    expect(committed(server.dataDir, failed.body.id).run).toBeUndefined();
    writes.pragma('max_page_count = 1073741823');
    await until('the kept writes retried once the disk has room', () => committed(dataDir, failed.body.id).run, { intervalMs: 100 });
    expect(committed(server.dataDir, failed.body.id).events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed' });
  }, 60_000);

  it('finishes a batch whose runs end while the store cannot write: the process lives, batch.finished is sent, the end is logged', async () => {
    const gate = new WaitGate();
    server = await startTestServer({ nodes: testNodes(gate) });
    const flow = buildFlow([['w', 'test.wait']], [], { inputs: { tag: { node: 'w', param: 'tag' } } });
    const finished: string[] = [];
    server.atelier.batches.onFinished((event) => finished.push(`${event.batchId} ${event.status}`));
    const { body } = await post(`${server.url}/api/batches`, { flow, sweep: { tag: ['x', 'y'] } });
    await gate.waitForStarted(2);
    const { writes } = server.atelier.store;
    writes.pragma('query_only = 1'); // every write is SQLITE_READONLY now (a disk remounted read-only)
    gate.release();
    await until('batch.finished', () => finished.length === 1);
    expect(finished).toEqual([`${body.batchId} failed`]); // its runs failed: they could not be recorded
    expect(server.logs.join('\n')).toContain(`batch ${body.batchId}: its end could not be stored`);
    expect((await fetch(`${server.url}/api/nodes`)).status).toBe(200);

    writes.pragma('query_only = 0');
    const again = await post(`${server.url}/api/batches?wait=1`, { flow: buildFlow([['n', 'test.number']], [], { inputs: { value: { node: 'n', param: 'value' } } }), sweep: { value: [1, 2] } });
    expect(again.body).toMatchObject({ status: 'succeeded', finishedAt: expect.any(String) });
  });

  it('shuts down while the store cannot write: close resolves, the lock is released, the log says what was lost', async () => {
    server = await startTestServer({ nodes: testNodes(), keep: true });
    const { dataDir, flowsDir } = server;
    server.atelier.store.writes.pragma('query_only = 1');
    const failed = await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(4000) });
    expect(failed.body.error).toMatch(/^store_unavailable: .*SQLITE_READONLY/);
    const logs = server.logs;
    await server.close(); // resolves: the run's rows stay unwritten
    server = undefined;
    expect(logs.join('\n')).toMatch(/closing the store: .*SQLITE_READONLY|closing the store: .*readonly/);
    try {
      server = await startTestServer({ nodes: testNodes(), dataDir, flowsDir }); // the lock was released
      expect((await post(`${server.url}/api/runs?wait=1`, { flow: bigFlow(5000) })).body.status).toBe('succeeded');
    } finally {
      await server?.close();
      server = undefined;
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });
});
