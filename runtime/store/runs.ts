// Runs and their events. Every event is stored with a gapless per-run seq, so a client that
// reconnects with since=<seq> gets exactly what it missed. Writes are batched (WriteBehind); what
// is not yet committed is also read back from memory, so a failing disk never hides a run.
import type { Flow } from '../../model/flow';
import type { LoggedRunEvent, RunEvent, RunEventBody, RunRecord } from '../../model/events';
import { applyEvent, foldEvents } from '../../model/run-record';
import { hasKeys } from '../../model/has-keys';
import type { Db } from './db';
import type { StoreUnavailable } from './errors';
import { jsonPieces } from './json-pieces';
import { finishedHeadJson, headOf, isFinishedHead, isHeadRecord, type StoredRecord } from './record-heads';
import { DEFLATE_FROM, parseStored, storedJson, storedJsonInTurns, toStored } from './stored-json';
import { Utf8Text } from './shared-values';
import { directWrites, type SqlWrites } from './sql-writes';
import type { PendingBatch, WriteBehind } from './write-behind';

export interface RunSummary {
  id: string;
  flowId?: string;
  status: RunRecord['status'];
  startedAt: string;
  finishedAt?: string;
}

interface Pending {
  /** Runs not yet inserted, with their flow's JSON (the record comes from `records`, else `live`). */
  creates: Map<string, PendingFlow>;
  /** Records saved since the last batch, each serialised once when its batch is written. */
  records: Map<string, RunRecord>;
  /** Events not yet written, per run: one row per run per write transaction. */
  events: Map<string, LoggedRunEvent[]>;
  /** Stored JSON made ahead for some of `records` (save, saveInTurns); good for this batch's first attempt only. */
  prepared: Map<string, PreparedRow>;
  /**
   * A finished run's pending events as their row, made when it was saved: its event objects are let go
   * then, not at the commit (in a burst they lived until the writer thread committed, and every
   * scavenge meanwhile copied them). A run's events are in `events` or here, never both.
   */
  sealed: Map<string, SealedEvents>;
}

interface SealedEvents {
  first: number;
  last: number;
  /** Stored JSON of the events first..last. */
  row: PreparedRow;
}

/**
 * A row made ahead of its commit. Small ones wait as UTF-8 outside the JS heap, as pending flows do: a
 * finished run's record and events (~4 KB of JSON) waited for the writer thread's commit, and the
 * scavenges meanwhile copied and promoted most of them. Large ones are deflated bytes already.
 */
type PreparedRow = Utf8Text | Buffer | string;

function preparedRow(stored: string | Buffer): PreparedRow {
  return typeof stored === 'string' ? Utf8Text.of(stored) : stored;
}

function parseRow<T>(row: PreparedRow): T {
  return parseStored<T>(row instanceof Utf8Text ? row.toString() : row);
}

/**
 * A flow's JSON until its run's row is written: a small one as UTF-8 outside the JS heap (a burst of
 * 2,000 runs started at once kept ~2 KB of strings per queued run, which every scavenge copied), a
 * large one as pieces, deflated at the commit.
 */
type PendingFlow = Utf8Text | string[];

function pendingFlow(flow: Flow): PendingFlow {
  const pieces = jsonPieces(flow);
  return pieces.length === 1 && pieces[0].length < DEFLATE_FROM ? Utf8Text.of(pieces[0]) : pieces;
}

const emptyPending = (): Pending => ({ creates: new Map(), records: new Map(), events: new Map(), prepared: new Map(), sealed: new Map() });

/** From this many nodes, a finished run's record is saved with saveInTurns (below, save() costs < ~10 ms). */
export const RECORD_NODES_IN_TURNS = 2000;

const FINAL = new Set<RunRecord['status']>(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** The record without its nodes and outputs: what a run's row holds until the run is first saved. */
function headJson(record: RunRecord): string {
  return JSON.stringify({ ...record, outputs: {}, nodes: {} });
}

/** The most events one row of the events table holds. */
export const EVENTS_PER_ROW = 2000;

const INSERT_EVENTS = 'INSERT INTO events (run_id, first_seq, last_seq, json) VALUES (?, ?, ?, ?)';
const INSERT_RUN = 'INSERT INTO runs (id, flow_id, status, started_at, finished_at, flow_json, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)';
const UPDATE_RUN = 'UPDATE runs SET status = ?, finished_at = ?, record_json = ? WHERE id = ?';

export class RunStore {
  /** Writes on the main connection (closeInterrupted at start, in its own transaction). */
  private readonly direct: SqlWrites;
  private pending = emptyPending();
  /** The batch the writer thread is committing: read as pending until it is committed. */
  private inFlight?: Pending;
  /**
   * Runs created and not yet saved in a final state, by id: reads see their live record. Until its
   * first save a run's row holds only the record's head (no nodes): serialising a big record on every
   * commit would cost O(nodes) per batch, and the events (committed with every batch) are what a
   * restart folds an unfinished run from (closeInterrupted).
   */
  private readonly live = new Map<string, RunRecord>();
  /** Open watches (gc): each collects the ids of runs whose events are written while it is open. */
  private readonly eventWatches = new Set<Set<string>>();

  constructor(
    private readonly db: Db,
    private readonly writes: WriteBehind,
  ) {
    this.direct = directWrites(db);
    writes.addSource({ take: () => this.take() });
  }

  /**
   * Inserts the run with the next batch. A run created empty and not yet finished (a run starting) is
   * live: its row holds the record's head until it is saved. A record created finished or with nodes
   * (an import, a test) is written whole, as saved.
   */
  create(record: RunRecord, flow: Flow): void {
    this.pending.creates.set(record.id, pendingFlow(flow));
    if (FINAL.has(record.status) || hasKeys(record.nodes)) this.pending.records.set(record.id, record);
    else this.live.set(record.id, record);
    this.writes.schedule();
  }

  /**
   * An unfinished run this process takes over (queue mode, after a restart): reads see its record
   * live, as for a run it created, until it is saved finished.
   */
  adopt(record: RunRecord): void {
    this.live.set(record.id, record);
  }

  /** Queues the event (a copy without its runId is logged). */
  appendEvent(event: RunEvent): void {
    const { runId, ...logged } = event;
    this.append(runId, logged);
  }

  /**
   * Queues the run's event, as it is (it must not change later); it is serialised with the rest of
   * its batch, off the engine's hot path. The log leaves runId out of its events: it was a quarter
   * of a ten-node run's events row, serialised, copied and stored for every event.
   */
  append(runId: string, event: LoggedRunEvent): void {
    if (this.pending.sealed.size) unseal(this.pending, runId); // an event after the run's save (queue mode)
    const events = this.pending.events.get(runId);
    if (events) events.push(event);
    else {
      this.pending.events.set(runId, [event]);
      this.writes.schedule();
    }
  }

  /**
   * Saves the record (its state when the batch is written) in the next write transaction. With
   * `nodesInEvents` (the engine's runs, whose every node state came from an event appended here) a
   * finished run's row holds its head only, and reads fold its nodes from its events (record-heads.ts).
   */
  save(record: RunRecord, options: { nodesInEvents?: boolean } = {}): void {
    this.queueSave(record);
    if (FINAL.has(record.status)) this.prepare(record, options.nodesInEvents === true);
  }

  private queueSave(record: RunRecord): void {
    this.pending.records.set(record.id, record);
    if (FINAL.has(record.status)) this.live.delete(record.id); // pending (then committed) from here on
    this.writes.schedule();
  }

  /**
   * A finished run's record and events are serialised as it is saved, in the turn it ends, not all
   * together in the commit's turn: a burst's commit of 1,000 runs held the event loop ~25 ms longer.
   * What cannot be serialised is left to the commit, which reports it.
   */
  private prepare(record: RunRecord, nodesInEvents: boolean): void {
    const { prepared, sealed } = this.pending;
    const events = this.pending.events.get(record.id);
    try {
      // Made ahead for the first attempt only: a commit that fails and is retried writes the whole record.
      prepared.set(record.id, preparedRow(nodesInEvents ? finishedHeadJson(record) : storedJson(record)));
      if (events && events.length <= EVENTS_PER_ROW) {
        sealed.set(record.id, { first: events[0].seq, last: events[events.length - 1].seq, row: preparedRow(storedJson(events)) });
        this.pending.events.delete(record.id);
      }
    } catch {
      prepared.delete(record.id);
    }
  }

  /**
   * save() for a finished run, whose record may be too large to serialise in one step at the commit
   * (~0.5 s for 100,000 nodes): its stored JSON is made first, a slice per turn of the event loop,
   * while reads still see the record as live. A flow attached meanwhile makes that JSON stale: the
   * commit then serialises the record as save() does.
   */
  async saveInTurns(record: RunRecord): Promise<void> {
    const flowId = record.flowId;
    let stored: string | Buffer | undefined;
    try {
      stored = await storedJsonInTurns(record);
    } catch {
      // not made ahead: the commit serialises the record and reports what fails there
    }
    if (stored !== undefined && record.flowId === flowId) this.pending.prepared.set(record.id, stored);
    this.queueSave(record); // not prepare(): the record is too large to serialise in one step
  }

  /** Collects the ids of runs whose events are written from now until `close()` (flush before reading it). */
  watchEvents(): { runIds: Set<string>; close(): void } {
    const runIds = new Set<string>();
    this.eventWatches.add(runIds);
    return { runIds, close: () => this.eventWatches.delete(runIds) };
  }

  /** Commits what is pending now; throws StoreUnavailable when it cannot. */
  flush(): void {
    this.writes.flush();
  }

  /** Resolves when everything queued so far is committed; rejects with StoreUnavailable when that fails. */
  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  /** Why the latest commit failed; undefined when the store is writing fine. */
  get failure(): StoreUnavailable | undefined {
    return this.writes.failure;
  }

  get(id: string): RunRecord | undefined {
    const pending = this.pending.records.get(id) ?? this.inFlight?.records.get(id) ?? this.live.get(id);
    if (pending) return pending;
    const row = this.db.prepare<[string], { record_json: string | Buffer }>('SELECT record_json FROM runs WHERE id = ?').get(id);
    return row ? this.recordOfRow(row.record_json) : undefined;
  }

  /** A stored record, its nodes folded from its events when its row holds its head only. */
  private recordOfRow(stored: string | Buffer): RunRecord {
    const record = parseStored<StoredRecord>(stored);
    if (!isHeadRecord(record)) return record;
    const head = headOf(record);
    head.nodes = foldEvents(head.id, this.eventsSince(head.id, 0)).nodes; // the rest is the head's
    return head;
  }

  /**
   * A finished run's record as its row holds it (JSON text, or deflated: see stored-json), for
   * answers that need its JSON and not its objects; undefined while the run is live or unknown, and
   * when the row holds its head only (record-heads.ts: get() folds the record).
   */
  storedRecord(id: string): string | Buffer | undefined {
    if (this.live.has(id) || this.pending.records.has(id) || this.inFlight?.records.has(id)) return undefined;
    const stored = this.db.prepare<[string], string | Buffer>('SELECT record_json FROM runs WHERE id = ?').pluck().get(id);
    return stored === undefined || isFinishedHead(stored) ? undefined : stored; // a head is not the record
  }

  /** The run's flow as its row holds it (see storedRecord); undefined for an unknown run. */
  storedFlow(id: string): string | Buffer | undefined {
    const pending = this.pending.creates.get(id) ?? this.inFlight?.creates.get(id);
    if (pending) return pending instanceof Utf8Text ? pending.toString() : pending.join('');
    return this.db.prepare<[string], string | Buffer>('SELECT flow_json FROM runs WHERE id = ?').pluck().get(id);
  }

  /** Whether the run exists, without reading its record (a 100,000-node record takes ~150 ms to parse). */
  has(id: string): boolean {
    if (this.pending.creates.has(id) || this.pending.records.has(id) || this.live.has(id)) return true;
    if (this.inFlight?.creates.has(id) || this.inFlight?.records.has(id)) return true;
    return this.db.prepare<[string], { found: number }>('SELECT 1 AS found FROM runs WHERE id = ?').get(id) !== undefined;
  }

  flowOf(id: string): Flow | undefined {
    const stored = this.storedFlow(id);
    return stored === undefined ? undefined : parseStored<Flow>(stored);
  }

  /** Lists committed runs; throws StoreUnavailable while pending writes cannot be committed. */
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
      status: this.live.get(r.id)?.status ?? r.status, // a live run's row keeps the status it was created with
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
    }));
  }

  /**
   * Makes the given runs runs of `flowId` where they exist and belong to no flow yet (runs made in the
   * editor before the flow's first save); answers the ids it attached, in the order given.
   */
  attachToFlow(flowId: string, runIds: readonly string[]): string[] {
    this.flush();
    const select = this.db.prepare<[string], { record_json: string | Buffer }>('SELECT record_json FROM runs WHERE id = ? AND flow_id IS NULL');
    const update = this.db.prepare<[string, string | Buffer, string]>('UPDATE runs SET flow_id = ?, record_json = ? WHERE id = ?');
    const attach = (id: string): boolean => {
      const row = select.get(id);
      if (!row) return false;
      const record = parseStored<StoredRecord>(row.record_json);
      update.run(flowId, isHeadRecord(record) ? finishedHeadJson({ ...headOf(record), flowId }) : storedJson({ ...record, flowId }), id);
      const live = this.live.get(id);
      if (live) live.flowId = flowId; // its next save must not drop the flow again
      return true;
    };
    return this.db.transaction(() => [...new Set(runIds)].filter(attach))();
  }

  /** The seq of the run's latest event: a pending one, else the latest committed (no commit forced). */
  lastSeq(runId: string): number {
    for (const unwritten of [this.pending, this.inFlight]) {
      const sealed = unwritten?.sealed.get(runId);
      if (sealed) return sealed.last;
      const events = unwritten?.events.get(runId);
      if (events?.length) return events[events.length - 1].seq;
    }
    const row = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(last_seq) AS seq FROM events WHERE run_id = ?').get(runId);
    return row?.seq ?? 0;
  }

  eventsSince(runId: string, since = 0): RunEvent[] {
    return this.eventPage(runId, since, Infinity).events;
  }

  /**
   * The run's events after `since`, whole stored batches until there are at least `minEvents`;
   * `complete` when they reach its latest event (the pending ones are added then).
   */
  eventPage(runId: string, since: number, minEvents: number): { events: RunEvent[]; complete: boolean } {
    const events: RunEvent[] = [];
    const rows = this.db
      .prepare<[string, number], { json: string | Buffer }>('SELECT json FROM events WHERE run_id = ? AND last_seq > ? ORDER BY first_seq')
      .iterate(runId, since);
    for (const row of rows) {
      for (const event of parseStored<LoggedRunEvent[]>(row.json)) {
        if (event.seq <= since) continue;
        const read = event as RunEvent; // a new object: given its run's id (rows before 2026-12 hold it already)
        read.runId = runId;
        events.push(read);
      }
      if (events.length >= minEvents) {
        rows.return?.();
        return { events, complete: false };
      }
    }
    // The writer thread may commit the batch in flight while its rows are read above: an event is
    // added from memory only when it comes after the last one added.
    let last = events.length ? events[events.length - 1].seq : since;
    for (const unwritten of [this.inFlight, this.pending]) {
      for (const event of unwritten ? unwrittenEvents(unwritten, runId) : []) {
        if (event.seq > last) {
          events.push({ runId, ...event });
          last = event.seq;
        }
      }
    }
    return { events, complete: true };
  }

  /**
   * Runs left queued or running by a process that died get an end: each open node a node.failed
   * (running) or node.skipped (queued) with "interrupted", then run.finished {status: interrupted}.
   * Call it only while holding the data dir's lock: another live process's runs are not ours to end.
   */
  closeInterrupted(now = new Date().toISOString()): number {
    this.flush();
    const rows = this.db
      .prepare<[], { id: string; record_json: string | Buffer }>("SELECT id, record_json FROM runs WHERE status IN ('queued', 'running')")
      .all();
    this.db.transaction(() => {
      for (const row of rows) this.closeOne(parseStored<RunRecord>(row.record_json), now);
    })();
    return rows.length;
  }

  /**
   * An unfinished run's record as its stored events make it: a live run's row holds only its head
   * (or, written by an older version in queue mode, a save older than its last events).
   */
  foldedRecord(id: string): RunRecord | undefined {
    const stored = this.get(id);
    return stored && this.fold(stored, this.eventsSince(id, 0)).record;
  }

  private fold(stored: RunRecord, events: LoggedRunEvent[]): { record: RunRecord; started: Map<string, number> } {
    const record: RunRecord = { id: stored.id, ...(stored.flowId ? { flowId: stored.flowId } : {}), status: 'queued', startedAt: stored.startedAt, outputs: {}, nodes: {} };
    const started = new Map<string, number>();
    for (const event of events) {
      applyEvent(record, event);
      if (event.type === 'node.started') started.set(event.nodeId, Date.parse(event.ts));
    }
    for (const [id, node] of Object.entries(stored.nodes)) record.nodes[id] ??= node;
    return { record, started };
  }

  private closeOne(stored: RunRecord, now: string): void {
    const events = this.eventsSince(stored.id, 0);
    // The record is saved less often than events: fold the events for the state at the moment of death.
    const { record, started } = this.fold(stored, events);
    let seq = events.length ? events[events.length - 1].seq : 0;
    const closing: LoggedRunEvent[] = [];
    const add = (body: RunEventBody) => {
      const event = { ...body, seq: ++seq, ts: now };
      applyEvent(record, event);
      closing.push(event);
    };
    const nowMs = Date.parse(now);
    for (const [nodeId, node] of Object.entries(record.nodes)) {
      if (node.status === 'running') {
        add({ type: 'node.failed', nodeId, error: 'interrupted', durationMs: Math.max(0, nowMs - (started.get(nodeId) ?? nowMs)) });
      } else if (node.status === 'queued') {
        add({ type: 'node.skipped', nodeId, reason: 'interrupted' });
      }
    }
    add({ type: 'run.finished', status: 'interrupted', outputs: {}, error: 'the process running it stopped before it finished' });
    this.insertEventRows(this.direct, record.id, closing);
    this.direct.run(UPDATE_RUN, record.status, record.finishedAt ?? now, storedJson(record), record.id);
  }

  /** Rows of at most EVENTS_PER_ROW events: a replay reads whole rows, and a skipped 100,000-node chain emits its events at once. */
  private insertEventRows(out: SqlWrites, runId: string, events: LoggedRunEvent[]): void {
    for (let at = 0; at < events.length; at += EVENTS_PER_ROW) {
      const row = events.length <= EVENTS_PER_ROW ? events : events.slice(at, at + EVENTS_PER_ROW);
      out.run(INSERT_EVENTS, runId, row[0].seq, row[row.length - 1].seq, storedJson(row));
    }
  }

  private take(): PendingBatch | undefined {
    const taken = this.pending;
    if (taken.creates.size === 0 && taken.records.size === 0 && taken.events.size === 0 && taken.sealed.size === 0) return undefined;
    this.pending = emptyPending();
    this.inFlight = taken;
    return {
      write: (out) => {
        for (const [id, flowJson] of taken.creates) {
          const saved = taken.records.get(id);
          const record = saved ?? this.live.get(id);
          if (!record) continue; // cannot happen: a created run is live until saved
          const json = saved ? (taken.prepared.get(id) ?? storedJson(saved)) : headJson(record);
          out.run(INSERT_RUN, id, record.flowId ?? null, record.status, record.startedAt, record.finishedAt ?? null, flowJson instanceof Utf8Text ? flowJson : toStored(flowJson), json);
        }
        for (const [id, record] of taken.records) {
          if (!taken.creates.has(id)) out.run(UPDATE_RUN, record.status, record.finishedAt ?? null, taken.prepared.get(id) ?? storedJson(record), id);
        }
        for (const [runId, events] of taken.events) this.insertEventRows(out, runId, events);
        for (const [runId, { first, last, row }] of taken.sealed) out.run(INSERT_EVENTS, runId, first, last, row);
        for (const watch of this.eventWatches) {
          for (const runId of taken.events.keys()) watch.add(runId);
          for (const runId of taken.sealed.keys()) watch.add(runId);
        }
      },
      committed: () => {
        if (this.inFlight === taken) this.inFlight = undefined;
      },
      restore: () => {
        if (this.inFlight === taken) this.inFlight = undefined;
        const newer = this.pending;
        for (const [id, flowJson] of taken.creates) newer.creates.set(id, flowJson);
        for (const [id, record] of taken.records) if (!newer.records.has(id)) newer.records.set(id, record);
        for (const runId of taken.sealed.keys()) if (newer.events.has(runId) || newer.sealed.has(runId)) unseal(taken, runId);
        for (const [runId, sealed] of taken.sealed) newer.sealed.set(runId, sealed);
        for (const [runId, events] of taken.events) {
          if (newer.sealed.has(runId)) unseal(newer, runId);
          const later = newer.events.get(runId);
          newer.events.set(runId, later ? events.concat(later) : events);
        }
      },
    };
  }
}

/** A run's events not yet written in `pending`, sealed or not. */
function unwrittenEvents(pending: Pending, runId: string): readonly LoggedRunEvent[] {
  const sealed = pending.sealed.get(runId);
  return sealed ? parseRow<LoggedRunEvent[]>(sealed.row) : (pending.events.get(runId) ?? []);
}

/** Turns a run's sealed events back into objects, before events that follow them. */
function unseal(pending: Pending, runId: string): void {
  const sealed = pending.sealed.get(runId);
  if (!sealed) return;
  pending.sealed.delete(runId);
  pending.events.set(runId, parseRow<LoggedRunEvent[]>(sealed.row));
}
