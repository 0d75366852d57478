// Batches (sweeps): which runs belong to one sweep and which sweep values each run got.
import type { Db } from './db';

const SCHEMA = `CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY, flow_id TEXT, mode TEXT NOT NULL, axes_json TEXT NOT NULL, inputs_json TEXT NOT NULL,
  runs_json TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, status TEXT
);
CREATE INDEX IF NOT EXISTS batches_created ON batches(created_at)`;

export interface StoredBatch {
  id: string;
  flowId?: string;
  mode: 'product' | 'zip';
  axes: Array<{ name: string; values: unknown[] }>;
  /** Inputs every run shares. */
  inputs: Record<string, unknown>;
  /** In sweep order: each run and the sweep values it got. */
  runs: Array<{ runId: string; sweep: Record<string, unknown> }>;
  createdAt: string;
  finishedAt?: string;
  /** Set when the batch finished (batch.finished was sent). */
  status?: string;
}

interface Row {
  id: string;
  flow_id: string | null;
  mode: 'product' | 'zip';
  axes_json: string;
  inputs_json: string;
  runs_json: string;
  created_at: string;
  finished_at: string | null;
  status: string | null;
}

/** The batches table (gc reads it on a data dir whose server never made one). */
export function createBatchesTable(db: Db): void {
  db.exec(SCHEMA);
}

export class BatchStore {
  private readonly insert;
  private readonly select;
  private readonly finish;
  private readonly recent;

  constructor(db: Db) {
    createBatchesTable(db);
    this.insert = db.prepare(
      'INSERT INTO batches (id, flow_id, mode, axes_json, inputs_json, runs_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.select = db.prepare<[string], Row>('SELECT * FROM batches WHERE id = ?');
    this.finish = db.prepare('UPDATE batches SET finished_at = ?, status = ? WHERE id = ?');
    this.recent = db.prepare<[number], Row>('SELECT * FROM batches ORDER BY created_at DESC, rowid DESC LIMIT ?');
  }

  create(batch: StoredBatch): void {
    this.insert.run(batch.id, batch.flowId ?? null, batch.mode, JSON.stringify(batch.axes), JSON.stringify(batch.inputs), JSON.stringify(batch.runs), batch.createdAt);
  }

  get(id: string): StoredBatch | undefined {
    const row = this.select.get(id);
    return row ? toBatch(row) : undefined;
  }

  markFinished(id: string, status: string, at = new Date().toISOString()): void {
    this.finish.run(at, status, id);
  }

  list(limit = 50): StoredBatch[] {
    return this.recent.all(Math.min(Math.max(1, limit), 1000)).map(toBatch);
  }
}

function toBatch(row: Row): StoredBatch {
  return {
    id: row.id,
    ...(row.flow_id ? { flowId: row.flow_id } : {}),
    mode: row.mode,
    axes: JSON.parse(row.axes_json),
    inputs: JSON.parse(row.inputs_json),
    runs: JSON.parse(row.runs_json),
    createdAt: row.created_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.status ? { status: row.status } : {}),
  };
}
