// What each run was asked to run: the flow as sent (subflows unexpanded) and its inputs. PNGs that
// leave Atelier carry them (model/png-meta.ts), so an image leads back to the flow that made it.
// A run of a flow as it stands (no inputs, no subflows) gets no row here: what it was asked to run is
// the flow its runs row holds, so that flow is not written twice (a row costs two index pages per run).
import type { Flow } from '../../model/flow';
import type { RunRecord } from '../../model/events';
import { isArtifact } from '../../model/artifact';
import { isPng, pngWithFlowParts, type EmbeddedFlow } from '../../model/png-meta';
import type { Db } from './db';
import { jsonPieces } from './json-pieces';
import { parseStored, toStored } from './stored-json';
import type { SqlWrites } from './sql-writes';
import { WriteBehind } from './write-behind';

const SCHEMA = `CREATE TABLE IF NOT EXISTS run_origins (
  run_id TEXT PRIMARY KEY, flow_json TEXT NOT NULL, inputs_json TEXT NOT NULL
)`;

const INSERT = 'INSERT OR REPLACE INTO run_origins (run_id, flow_json, inputs_json) VALUES (?, ?, ?)';

export interface RunOrigin {
  flow: Flow;
  inputs: Record<string, unknown>;
}

export class RunOrigins {
  private readonly select;
  /** Off the run-start path: written with the next batch of SQLite writes; every read flushes first. */
  private readonly writes: WriteBehind;

  constructor(db: Db, writes?: WriteBehind) {
    db.exec(SCHEMA);
    // With the store's writer, origins land in the same transaction as the run they belong to.
    this.writes = writes ?? new WriteBehind(db);
    this.writes.addSource({ take: () => this.take() });
    this.select = db.prepare<[string], { flow_json: string | Buffer; inputs_json: string }>('SELECT flow_json, inputs_json FROM run_origins WHERE run_id = ?');
    this.selectRunFlow = db.prepare<[string], { flow_json: string | Buffer }>('SELECT flow_json FROM runs WHERE id = ?');
  }

  private readonly selectRunFlow;

  save(runId: string, flow: Flow, inputs: Record<string, unknown> = {}): void {
    // Artifact inputs are kept as their hash: a URL is host-specific, the hash is not.
    const plain = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, isArtifact(v) ? v.artifact : v]));
    this.pending.push([runId, jsonPieces(flow), JSON.stringify(plain)]);
    this.writes.schedule();
  }

  private pending: Array<[string, string[], string]> = [];

  private take() {
    if (this.pending.length === 0) return undefined;
    const batch = this.pending;
    this.pending = [];
    return {
      write: (out: SqlWrites) => {
        for (const [runId, flowJson, inputsJson] of batch) out.run(INSERT, runId, toStored(flowJson), inputsJson);
      },
      restore: () => {
        this.pending = batch.concat(this.pending);
      },
    };
  }

  get(runId: string): RunOrigin | undefined {
    this.writes.flush();
    const row = this.select.get(runId);
    if (row) return { flow: parseStored<Flow>(row.flow_json), inputs: JSON.parse(row.inputs_json) };
    const run = this.selectRunFlow.get(runId);
    return run ? { flow: parseStored<Flow>(run.flow_json), inputs: {} } : undefined;
  }

  /** The PNG with its run's flow embedded; other bytes (or an unknown run) come back unchanged. */
  pngWithFlow(bytes: Uint8Array, source: { runId: string; node?: string; port?: string }): Uint8Array {
    const parts = this.pngWithFlowParts(bytes, source);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** pngWithFlow's bytes as parts to write one after another, the image's not copied (model/png-meta.ts). */
  pngWithFlowParts(bytes: Uint8Array, source: { runId: string; node?: string; port?: string }): Uint8Array[] {
    if (!isPng(bytes)) return [bytes];
    const origin = this.get(source.runId);
    if (!origin) return [bytes];
    const data: EmbeddedFlow = { flow: origin.flow, inputs: origin.inputs, runId: source.runId };
    if (source.node) data.node = source.node;
    if (source.port) data.port = source.port;
    return pngWithFlowParts(bytes, data);
  }
}

const byDb = new WeakMap<Db, RunOrigins>();

/** One RunOrigins per database; the store opens it with its own writer (`writes`), so later calls share it. */
export function runOrigins(db: Db, writes?: WriteBehind): RunOrigins {
  let origins = byDb.get(db);
  if (!origins) byDb.set(db, (origins = new RunOrigins(db, writes)));
  return origins;
}

/** Which node and port of a run produced an artifact: the flow output named `name` first, else the first node holding it. */
export function producerOf(record: RunRecord, hash: string, preferred?: { node: string; port: string }): { node: string; port: string } | undefined {
  if (preferred) {
    const value = record.nodes[preferred.node]?.outputs[preferred.port];
    if (isArtifact(value) && value.artifact === hash) return preferred;
  }
  for (const [node, entry] of Object.entries(record.nodes)) {
    for (const [port, value] of Object.entries(entry.outputs ?? {})) if (isArtifact(value) && value.artifact === hash) return { node, port };
  }
  return undefined;
}
