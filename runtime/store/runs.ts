// Runs and their events. Every event is stored with a gapless per-run seq, so a client that
// reconnects with since=<seq> gets exactly what it missed.
import type { Flow } from '../engine/flow';
import type { RunEvent, RunRecord } from '../engine/events';
import type { Db } from './db';
import { WriteBehind } from './write-behind';

export interface RunSummary {
  id: string;
  flowId?: string;
  status: RunRecord['status'];
  startedAt: string;
  finishedAt?: string;
}

export class RunStore {
  private readonly writes: WriteBehind;
  private readonly insertEvent;
  private readonly updateRun;

  constructor(private readonly db: Db) {
    this.writes = new WriteBehind(db);
    this.insertEvent = db.prepare('INSERT INTO events (run_id, seq, json) VALUES (?, ?, ?)');
    this.updateRun = db.prepare('UPDATE runs SET status = ?, finished_at = ?, record_json = ? WHERE id = ?');
  }

  create(record: RunRecord, flow: Flow): void {
    this.db
      .prepare('INSERT INTO runs (id, flow_id, status, started_at, finished_at, flow_json, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(record.id, record.flowId ?? null, record.status, record.startedAt, null, JSON.stringify(flow), JSON.stringify(record));
  }

  appendEvent(event: RunEvent): void {
    const json = JSON.stringify(event);
    this.writes.push(() => this.insertEvent.run(event.runId, event.seq, json));
  }

  /** Saves the record now or, with `batched`, in the next write transaction. */
  save(record: RunRecord, batched = false): void {
    const json = JSON.stringify(record);
    const write = () => this.updateRun.run(record.status, record.finishedAt ?? null, json, record.id);
    if (batched) this.writes.push(write);
    else {
      this.flush();
      write();
    }
  }

  flush(): void {
    this.writes.flush();
  }

  get(id: string): RunRecord | undefined {
    this.flush();
    const row = this.db.prepare<[string], { record_json: string }>('SELECT record_json FROM runs WHERE id = ?').get(id);
    return row ? JSON.parse(row.record_json) : undefined;
  }

  flowOf(id: string): Flow | undefined {
    const row = this.db.prepare<[string], { flow_json: string }>('SELECT flow_json FROM runs WHERE id = ?').get(id);
    return row ? JSON.parse(row.flow_json) : undefined;
  }

  list(options: { flowId?: string; limit?: number } = {}): RunSummary[] {
    this.flush();
    const rows = this.db
      .prepare(
        `SELECT id, flow_id, status, started_at, finished_at FROM runs ${options.flowId ? 'WHERE flow_id = ?' : ''}
         ORDER BY started_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...(options.flowId ? [options.flowId] : []), Math.min(options.limit ?? 50, 1000)) as Array<{
      id: string;
      flow_id: string | null;
      status: RunRecord['status'];
      started_at: string;
      finished_at: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      ...(r.flow_id ? { flowId: r.flow_id } : {}),
      status: r.status,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
    }));
  }

  eventsSince(runId: string, since = 0): RunEvent[] {
    this.flush();
    return this.db
      .prepare<[string, number], { json: string }>('SELECT json FROM events WHERE run_id = ? AND seq > ? ORDER BY seq')
      .all(runId, since)
      .map((row) => JSON.parse(row.json));
  }

  /** Runs that were queued or running when the process died are marked interrupted. */
  markInterrupted(now = new Date().toISOString()): number {
    const rows = this.db
      .prepare<[], { id: string; record_json: string }>("SELECT id, record_json FROM runs WHERE status IN ('queued', 'running')")
      .all();
    for (const row of rows) {
      const record: RunRecord = JSON.parse(row.record_json);
      record.status = 'interrupted';
      record.finishedAt = now;
      for (const node of Object.values(record.nodes)) {
        if (node.status === 'running' || node.status === 'queued') node.status = 'cancelled';
      }
      this.updateRun.run('interrupted', now, JSON.stringify(record), row.id);
    }
    return rows.length;
  }
}
