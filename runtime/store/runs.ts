// Runs and their events. Every event is stored with a gapless per-run seq, so a client that
// reconnects with since=<seq> gets exactly what it missed.
import type { Flow } from '../../model/flow';
import type { RunEvent, RunRecord } from '../../model/events';
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
  private readonly insertEvents;
  private readonly insertRun;
  private readonly updateRun;
  /** Events not yet written, per run: one row per run per write transaction. */
  private readonly pendingEvents = new Map<string, { events: RunEvent[] }>();
  /** Records not yet written, per run: a run that starts and finishes within one batch is written once. */
  private readonly pendingRecords = new Map<string, RunRecord>();

  constructor(private readonly db: Db) {
    this.writes = new WriteBehind(db);
    this.insertEvents = db.prepare('INSERT INTO events (run_id, first_seq, last_seq, json) VALUES (?, ?, ?, ?)');
    this.insertRun = db.prepare(
      'INSERT INTO runs (id, flow_id, status, started_at, finished_at, flow_json, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateRun = db.prepare('UPDATE runs SET status = ?, finished_at = ?, record_json = ? WHERE id = ?');
  }

  create(record: RunRecord, flow: Flow): void {
    const flowJson = JSON.stringify(flow);
    this.pendingRecords.set(record.id, record);
    this.writes.push(() => {
      const latest = this.pendingRecords.get(record.id) ?? record;
      this.pendingRecords.delete(record.id);
      this.insertRun.run(latest.id, latest.flowId ?? null, latest.status, latest.startedAt, latest.finishedAt ?? null, flowJson, JSON.stringify(latest));
    });
  }

  /** Queues the event; it is serialised with the rest of its batch, off the engine's hot path. */
  appendEvent(event: RunEvent): void {
    const pending = this.pendingEvents.get(event.runId);
    if (pending) {
      pending.events.push(event);
      return;
    }
    this.pendingEvents.set(event.runId, { events: [event] });
    this.writes.push(() => {
      const { events } = this.pendingEvents.get(event.runId)!;
      this.pendingEvents.delete(event.runId);
      this.insertEvents.run(event.runId, events[0].seq, events[events.length - 1].seq, JSON.stringify(events));
    });
  }

  /** Saves the record in the next write transaction (every read flushes first). */
  save(record: RunRecord): void {
    if (this.pendingRecords.has(record.id)) {
      this.pendingRecords.set(record.id, record); // serialised when the batch is written: its latest state
      return;
    }
    const json = JSON.stringify(record);
    this.writes.push(() => this.updateRun.run(record.status, record.finishedAt ?? null, json, record.id));
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
    this.flush();
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

  lastSeq(runId: string): number {
    this.flush();
    const row = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(last_seq) AS seq FROM events WHERE run_id = ?').get(runId);
    return row?.seq ?? 0;
  }

  eventsSince(runId: string, since = 0): RunEvent[] {
    this.flush();
    const batches = this.db
      .prepare<[string, number], { json: string }>('SELECT json FROM events WHERE run_id = ? AND last_seq > ? ORDER BY first_seq')
      .all(runId, since);
    return batches.flatMap((row) => (JSON.parse(row.json) as RunEvent[]).filter((e) => e.seq > since));
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
