// gc beside work in flight: an artifact a running node has stored but not yet returned is named by no
// record, event or cache row. gc must not take it from under the node, even with --days 0, nor an
// old artifact that the node (or an upload) has just stored again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineNode, type AnyNodeDefinition, type Artifact } from '../../nodes/api';
import { createAtelier, type Atelier } from '../../runtime/atelier';
import { gcReportLines, type GcPassReport } from '../../runtime/gc-pass';
import { buildFlow } from '../helpers/flow-builder';
import { until } from '../helpers/poll';

const TWENTY_DAYS_AGO = new Date(Date.now() - 20 * 86_400_000).toISOString();

/** Stores its `text` param as an artifact, then holds until the test releases it, then returns it. */
function storeThenHold() {
  const held: Array<{ artifact: Artifact; release: () => void }> = [];
  const node = defineNode({
    type: 'test.store-then-hold',
    title: 'Store then hold',
    category: 'test',
    description: 'stores its text, waits, returns the artifact',
    version: 1,
    inputs: {},
    outputs: { file: { type: 'any' } },
    params: z.object({ text: z.string() }),
    deterministic: false,
    async run(ctx, _inputs, params) {
      const artifact = await ctx.artifacts.put(Buffer.from(params.text));
      await new Promise<void>((release) => held.push({ artifact, release }));
      return { file: artifact };
    },
  });
  return { node: node as AnyNodeDefinition, held };
}

let dir: string;
let atelier: Atelier;
let held: ReturnType<typeof storeThenHold>['held'];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-gc-flight-'));
  const test = storeThenHold();
  held = test.held;
  atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: [test.node], log: () => {} });
});

afterEach(async () => {
  for (const h of held) h.release();
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
});

const oneNode = (text: string) => buildFlow([['s', 'test.store-then-hold', { text }]], [], { outputs: { file: { node: 's', port: 'file' } } });

async function runAcrossGc(text: string, days: number): Promise<{ hash: string; removed: string[]; report: GcPassReport }> {
  const runId = atelier.runs.start({ flow: oneNode(text) });
  const { artifact } = await until('the node stored its artifact', () => held[0]);
  const report = await atelier.gc.run({ days, dryRun: false });
  held[0].release();
  const record = await atelier.runs.wait(runId);
  expect(record?.status).toBe('succeeded');
  expect((record?.outputs.file as Artifact).artifact).toBe(artifact.artifact);
  return { hash: artifact.artifact, removed: report.removedArtifacts, report };
}

describe('gc beside a running node', () => {
  it('keeps what the node stored before the pass (--days 0), so its run ends with its output readable', async () => {
    const { hash, removed, report } = await runAcrossGc('stored while gc ran', 0);
    expect(removed).not.toContain(hash);
    expect(report.keptSince).toBeDefined();
    expect(gcReportLines(report, 'data').join('\n')).toContain(`kept: artifacts stored since ${report.keptSince}, when the oldest unfinished run began`);
    expect(atelier.store.artifacts.exists(hash)).toBe(true);
    expect((await atelier.store.artifacts.read(hash)).toString()).toBe('stored while gc ran');
  });

  it('keeps an old unreferenced artifact the node has just stored again', async () => {
    const old = await atelier.store.artifacts.put(Buffer.from('made long ago'));
    atelier.store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(TWENTY_DAYS_AGO, old.artifact);
    const { hash, removed } = await runAcrossGc('made long ago', 10);
    expect(hash).toBe(old.artifact);
    expect(removed).not.toContain(hash);
    expect(atelier.store.artifacts.exists(hash)).toBe(true);
  });

  it('still removes old artifacts nothing references while the node runs', async () => {
    const old = await atelier.store.artifacts.put(Buffer.from('left behind'));
    atelier.store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(TWENTY_DAYS_AGO, old.artifact);
    const { removed } = await runAcrossGc('fresh work', 10);
    expect(removed).toEqual([old.artifact]);
    expect(atelier.store.artifacts.exists(old.artifact)).toBe(false);
  });
});

describe('gc after an upload', () => {
  it('keeps an old artifact whose file had gone and was stored again', async () => {
    const old = await atelier.store.artifacts.put(Buffer.from('file removed by hand'));
    atelier.store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(TWENTY_DAYS_AGO, old.artifact);
    rmSync(atelier.store.artifacts.pathOf(old.artifact));
    await atelier.store.artifacts.put(Buffer.from('file removed by hand'));
    const report = await atelier.gc.run({ days: 10, dryRun: false });
    expect(report.removedArtifacts).not.toContain(old.artifact);
    expect(atelier.store.artifacts.exists(old.artifact)).toBe(true);
  });

  it('keeps an old unreferenced image uploaded again (it is about to be used)', async () => {
    const old = await atelier.store.artifacts.put(Buffer.from('uploaded twice'));
    atelier.store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(TWENTY_DAYS_AGO, old.artifact);
    await atelier.store.artifacts.put(Buffer.from('uploaded twice'));
    const report = await atelier.gc.run({ days: 10, dryRun: false });
    expect(report.removedArtifacts).not.toContain(old.artifact);
    expect(atelier.store.artifacts.exists(old.artifact)).toBe(true);
  });
});
