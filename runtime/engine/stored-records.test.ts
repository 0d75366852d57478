// A finished run's row holds its record's head and its nodes come back from its events
// (store/record-heads.ts): what a reader gets from the database must be the record the run ended with,
// for every way a run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunRecord } from '../../model/events';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { createAtelier, type Atelier } from '../atelier';

let dir: string;
let atelier: Atelier;
let gate: WaitGate;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-stored-records-'));
  gate = new WaitGate();
  atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: testNodes(gate, new Map()), log: () => {} });
});
afterEach(async () => {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The record as the database gives it back, checked to come from a head row. */
function fromDatabase(record: RunRecord): RunRecord | undefined {
  atelier.store.runs.flush();
  const row = atelier.store.db.prepare('SELECT record_json FROM runs WHERE id = ?').pluck().get(record.id);
  expect(typeof row === 'string' && row.startsWith('{"nodesInEvents":true,')).toBe(true);
  return atelier.store.runs.get(record.id);
}

const asJson = (record: RunRecord) => JSON.parse(JSON.stringify(record));

it('reads back a failed run: the failing node, its skipped descendants and a branch that succeeded', async () => {
  const flow = buildFlow(
    [
      ['bad', 'test.fail', { message: 'quota' }],
      ['after', 'test.number'],
      ['other', 'test.number', { value: 2 }],
    ],
    ['bad.value -> after.add'],
    { outputs: { two: { node: 'other', port: 'value' } } },
  );
  const record = await atelier.runs.run({ flow });
  expect(record).toMatchObject({ status: 'failed', outputs: { two: 2 } });
  expect(record.nodes).toMatchObject({ bad: { status: 'failed', error: 'quota' }, after: { status: 'skipped' }, other: { status: 'succeeded' } });
  expect(fromDatabase(record)).toEqual(asJson(record));
});

it('reads back a run up to a node and a cached run from a node', async () => {
  const flow = buildFlow(
    [
      ['a', 'test.number', { value: 1 }],
      ['b', 'test.number', { value: 1 }],
      ['c', 'test.number', { value: 1 }],
    ],
    ['a.value -> b.add', 'b.value -> c.add'],
  );
  const upTo = await atelier.runs.run({ flow, target: { to: 'b' } });
  expect(Object.keys(upTo.nodes).sort()).toEqual(['a', 'b']);
  expect(fromDatabase(upTo)).toEqual(asJson(upTo));
  const from = await atelier.runs.run({ flow, target: { from: 'c' } });
  expect(from.nodes.a).toMatchObject({ status: 'succeeded', cached: true });
  expect(from.nodes.c).toMatchObject({ status: 'succeeded', outputs: { value: 3 } });
  expect(fromDatabase(from)).toEqual(asJson(from));
});

it('reads back a cancelled run: the running node cancelled, the one after it skipped', async () => {
  const flow = buildFlow([['w', 'test.wait', { tag: 'x' }], ['after', 'test.number']], ['w.value -> after.add']);
  const runId = atelier.runs.start({ flow });
  await gate.waitForStarted(1);
  atelier.runs.cancel(runId);
  const record = (await atelier.runs.wait(runId))!;
  expect(record.status).toBe('cancelled');
  expect(record.nodes).toMatchObject({ w: { status: 'cancelled' }, after: { status: 'skipped' } });
  expect(fromDatabase(record)).toEqual(asJson(record));
});
