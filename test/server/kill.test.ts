// DESIGN.md: "Kill the server at any moment: no flow file is torn, no finished artifact is lost,
// unfinished runs are marked interrupted." A real `atelier serve` process, killed with SIGKILL.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowSchema } from '../../model/flow';
import type { RunEvent, RunRecord } from '../../model/events';
import { fromStored, parseStored } from '../../runtime/store/stored-json';
import { until as poll } from '../helpers/poll';

const children: ChildProcess[] = [];
const roots: string[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function newRoot(): { dataDir: string; flowsDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'atelier-kill-'));
  roots.push(root);
  cpSync('flows', join(root, 'flows'), { recursive: true });
  return { dataDir: join(root, 'data'), flowsDir: join(root, 'flows') };
}

async function serve(dirs: { dataDir: string; flowsDir: string }): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/atelier.js', 'serve', '--port', '0'], {
    env: { ...process.env, ATELIER_DATA: dirs.dataDir, ATELIER_FLOWS: dirs.flowsDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) resolve(match[1]);
    });
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => reject(new Error(`atelier serve exited with ${code}: ${out}`)));
  });
  return { url, child };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000) => poll(what, probe, { timeoutMs });

/** Reads the database as the next process will find it. */
function withDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'atelier.db'));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function storedEvents(db: Database.Database, runId: string): RunEvent[] {
  return (db.prepare('SELECT json FROM events WHERE run_id = ? ORDER BY first_seq').all(runId) as Array<{ json: string | Buffer }>).flatMap((r) => parseStored<RunEvent[]>(r.json));
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('killing the server', () => {
  it('closes the unfinished run with a final event and keeps finished artifacts', async () => {
    const dirs = newRoot();
    const first = await serve(dirs);
    const done = await (await post(`${first.url}/api/runs?wait=1`, { flowId: 'local-image-pipeline' })).json();
    expect(done.status).toBe('succeeded');
    const { runId } = await (await post(`${first.url}/api/runs`, { flowId: 'segment-to-3d' })).json();
    // Wait until the database (not only the process) knows the segment node is running.
    await until('segment running, committed', () =>
      withDb(dirs.dataDir, (db) => storedEvents(db, runId).some((e) => e.type === 'node.started' && e.nodeId === 'segment')),
    );
    await kill(first.child);

    const second = await serve(dirs);
    const record = await (await fetch(`${second.url}/api/runs/${runId}`)).json();
    expect(record.status).toBe('interrupted');
    expect(record.finishedAt).toBeDefined();
    expect(record.nodes.segment).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(record.nodes.lgm).toMatchObject({ status: 'skipped', error: 'interrupted' });
    // An SSE subscriber sees the end.
    const sse = await (await fetch(`${second.url}/api/runs/${runId}/events?since=0`)).text();
    const events = sse.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)) as RunEvent);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'interrupted' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const cutout = done.outputs.cutout;
    const bytes = Buffer.from(await (await fetch(`${second.url}${cutout.url}`)).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(cutout.artifact);
    const flows = await (await fetch(`${second.url}/api/flows`)).json();
    expect(flows.every((f: { error?: string }) => !f.error)).toBe(true);
    await kill(second.child);
  }, 120_000);

  it('survives SIGKILL during 50 concurrent runs and flow saves, again and again', async () => {
    const dirs = newRoot();
    for (const [round, killAfter] of [[0, 1], [1, 6], [2, 15]] as const) {
      const { url, child } = await serve(dirs);
      const { id: flowId } = await (await post(`${url}/api/flows`, { ...JSON.parse(readFileSync(join(dirs.flowsDir, 'local-image-pipeline.json'), 'utf8')), name: `victim ${round}` })).json();
      const runIds: string[] = [];
      const starts = Array.from({ length: 50 }, (_, i) =>
        post(`${url}/api/runs`, { flowId: 'local-image-pipeline', inputs: { width: 32 + ((i * 7 + round) % 12) * 8 } })
          .then((r) => r.json())
          .then((body: { runId: string }) => runIds.push(body.runId))
          .catch(() => {}),
      );
      let saving = true;
      const saves = (async () => {
        for (let revision = 1; saving; revision++) {
          const flow = await fetch(`${url}/api/flows/${flowId}`)
            .then((r) => r.json())
            .catch(() => undefined);
          if (!flow) return;
          flow.description = 'x'.repeat(5_000 + (revision % 4_000)); // within the 10,000-character limit
          const answer = await fetch(`${url}/api/flows/${flowId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flow) }).catch(() => undefined);
          if (!answer) return;
        }
      })();
      await until(`${killAfter} runs succeeded`, () =>
        withDb(dirs.dataDir, (db) => (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'succeeded'").get() as { n: number }).n >= killAfter || undefined),
        120_000,
      );
      await kill(child);
      saving = false;
      await Promise.allSettled([...starts, saves]);

      // What the killed process left behind.
      withDb(dirs.dataDir, (db) => {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const succeeded = db.prepare("SELECT record_json FROM runs WHERE status = 'succeeded'").all() as Array<{ record_json: string | Buffer }>;
        expect(succeeded.length).toBeGreaterThanOrEqual(killAfter);
        const eventsOf = db.prepare<[string], string | Buffer>('SELECT json FROM events WHERE run_id = ?').pluck();
        for (const row of succeeded) {
          const record = parseStored<RunRecord>(row.record_json);
          // A row may hold the record's head only: its nodes' outputs are in its events.
          const stored = [JSON.stringify(record), ...eventsOf.all(record.id).map((json) => fromStored(json))].join('\n');
          for (const hash of stored.match(/[0-9a-f]{64}/g) ?? []) {
            const file = join(dirs.dataDir, 'artifacts', hash.slice(0, 2), hash);
            expect(existsSync(file), `artifact ${hash} of run ${record.id}`).toBe(true);
            expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(hash);
          }
        }
      });
      for (const file of readdirSync(dirs.flowsDir).filter((f) => f.endsWith('.json'))) {
        expect(FlowSchema.safeParse(JSON.parse(readFileSync(join(dirs.flowsDir, file), 'utf8'))).success, `flows/${file}`).toBe(true);
      }

      // The next process closes every unfinished run with a final event.
      const next = await serve(dirs);
      withDb(dirs.dataDir, (db) => {
        expect((db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status IN ('queued', 'running')").get() as { n: number }).n).toBe(0);
        for (const { id, status } of db.prepare('SELECT id, status FROM runs').all() as Array<{ id: string; status: string }>) {
          const events = storedEvents(db, id);
          expect(events.at(-1), `last event of run ${id}`).toMatchObject({ type: 'run.finished', status });
          expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        }
      });
      await kill(next.child);
    }
  }, 600_000);
});
