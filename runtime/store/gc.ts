// Retention: removes runs (with their events and origins), the batches none of whose runs is kept, and
// cache rows older than N days that no kept run used, then every artifact nothing references any more.
// Referenced means: named anywhere in a kept run's flow, record, events (outputs, previews) or origin
// (the flow as sent and its inputs, which PNG exports embed), a kept batch (its shared inputs and swept
// values), a gallery entry (its image or parent), a saved flow file (params naming hashes), or a kept
// cache row. Hashes are found by pattern in the stored JSON, so a new place that names an artifact is
// covered without teaching gc about it (it may keep too much, never too little).
import { closeSync, existsSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createBatchesTable } from './batches';
import type { Store } from './index';
import { NotAPlainFile, openPlainFile } from './plain-file';
import { fromStored } from './stored-json';

export interface GcOptions {
  /** Runs, events and cache rows older than this many days go; so do unreferenced artifacts older than it. */
  days: number;
  /** Saved flows (flows/*.json) whose params may name artifacts. */
  flowsDir: string;
  dryRun?: boolean;
  now?: Date;
  /** Hashes named outside this database and the flows (queue mode: the shared cache in Redis); kept like any other reference. */
  referenced?: Iterable<string>[];
  /** Rows read between two turns of the event loop (default 256). */
  pageRows?: number;
  /** Stops the pass between two pages (server shutdown); nothing is removed then. */
  signal?: AbortSignal;
}

export interface GcReport {
  cutoff: string;
  runs: number;
  events: number;
  /** Batches (sweeps) whose runs are all gone. */
  batches: number;
  cacheRows: number;
  artifacts: number;
  /** Bytes of artifact files (and their thumbnails) removed, or that would be. */
  bytes: number;
  dryRun: boolean;
  removedArtifacts: string[];
  /**
   * When the oldest unfinished run started, if one is: artifacts stored since then were kept even
   * though nothing names them yet (a running node may have stored one it has not returned).
   */
  keptSince?: string;
}

const HASHES = /[0-9a-f]{64}/g;
const DAY_MS = 86_400_000;

/**
 * A server runs this beside live runs, so the references are read a page at a time with a turn of
 * the event loop between pages (a pass over 20,000 runs held the loop ~1 s). What changed meanwhile
 * is read in the last, synchronous step before anything is removed: rows added since their table's
 * page passed (runs, origins, gallery, cache), every event of a run whose events were written since
 * the pass began (events are only ever added), and the saved flows.
 */
export async function collectGarbage(store: Store, options: GcOptions): Promise<GcReport> {
  if (!Number.isFinite(options.days) || options.days < 0) throw new Error(`retention days must be a non-negative number, got ${options.days}`);
  const db = store.db;
  createBatchesTable(db);
  const cutoff = retentionCutoff(options.days, options.now).toISOString();
  const oldRuns = oldRun('runs');
  const pages = new Pages(db, options.pageRows ?? 256, options.signal);
  // Runs whose events are written from now on: their events are read again at the end.
  const written = store.runs.watchEvents();
  try {
    const referenced = new Set<string>();
    const scan = (stored: string | Buffer | null) => {
      for (const hash of hashesIn(stored)) referenced.add(hash);
    };
    /** Runs seen queued or running: the last step asks which still are (a handful, by id, not a scan of every run). */
    const unfinished: string[] = [];
    const scanRun = (row: { id: string; status: string; flow_json: string | Buffer; record_json: string | Buffer }) => {
      if (isUnfinished(row.status)) unfinished.push(row.id);
      scan(row.flow_json);
      scan(row.record_json);
    };
    const scanOrigin = (row: { flow_json: string | Buffer; inputs_json: string }) => {
      scan(row.flow_json);
      scan(row.inputs_json);
    };
    const scanBatch = (row: { axes_json: string; inputs_json: string }) => {
      scan(row.axes_json);
      scan(row.inputs_json);
    };
    const scanGallery = (row: { hash: string; parent: string | null }) => {
      referenced.add(row.hash);
      scan(row.parent);
    };
    const oldCacheRows: OldCacheRow[] = [];
    const scanCacheRow = (row: { pageKey: number; created_at: string; outputs_json: string; meta_json: string | null }) => {
      if (row.created_at < cutoff) {
        const names = new Set([...hashesIn(row.outputs_json), ...hashesIn(row.meta_json)]);
        return void oldCacheRows.push({ id: row.pageKey, artifacts: [...names] });
      }
      scan(row.outputs_json);
      scan(row.meta_json);
    };
    const runsAfter = `SELECT rowid AS pageKey, id, status, flow_json, record_json FROM runs WHERE rowid > @after AND NOT (${oldRuns})`;
    // An origin lives as long as its run: one whose run goes (or went, before gc removed origins) goes too.
    const originsAfter = `SELECT rowid AS pageKey, flow_json, inputs_json FROM run_origins o WHERE rowid > @after AND EXISTS (SELECT 1 FROM runs r WHERE r.id = o.run_id AND NOT (${oldRun('r')}))`;
    const batchesAfter = `SELECT rowid AS pageKey, axes_json, inputs_json FROM batches b WHERE rowid > @after AND NOT (${oldBatch('b')})`;
    const galleryAfter = 'SELECT id AS pageKey, hash, parent FROM gallery WHERE id > @after';
    const cacheAfter = 'SELECT id AS pageKey, created_at, outputs_json, meta_json FROM cache WHERE id > @after';
    const lastRun = await pages.scan(runsAfter, { cutoff }, scanRun);
    const lastOrigin = await pages.scan(originsAfter, { cutoff }, scanOrigin);
    await pages.scanEvents({ cutoff }, (row) => scan(row.json));
    const lastBatch = await pages.scan(batchesAfter, { cutoff }, scanBatch);
    const lastGallery = await pages.scan(galleryAfter, {}, scanGallery);
    const lastCacheRow = await pages.scan(cacheAfter, {}, scanCacheRow);

    // The last step: nothing else runs until the rows are gone.
    store.writes.flush(); // live runs' latest state is in the database before it is read
    pages.scanRest(runsAfter, { cutoff }, lastRun, scanRun);
    pages.scanRest(originsAfter, { cutoff }, lastOrigin, scanOrigin);
    pages.scanRest(batchesAfter, { cutoff }, lastBatch, scanBatch);
    pages.scanRest(galleryAfter, {}, lastGallery, scanGallery);
    pages.scanRest(cacheAfter, {}, lastCacheRow, scanCacheRow);
    const eventsOf = db.prepare<[string], { json: string | Buffer }>('SELECT json FROM events WHERE run_id = ?');
    for (const runId of written.runIds) for (const row of eventsOf.iterate(runId)) scan(row.json);
    for (const source of options.referenced ?? []) for (const hash of source) referenced.add(hash);
    if (existsSync(options.flowsDir)) {
      for (const file of readdirSync(options.flowsDir)) if (file.endsWith('.json')) scanFlowFile(join(options.flowsDir, file), scan);
    }
    const goingCacheRows = oldCacheRows.filter((row) => !usedByKeptWork(row, referenced)).map((row) => row.id);
    return remove(store, options, cutoff, referenced, goingCacheRows, oldestUnfinishedStart(db, unfinished));
  } finally {
    written.close();
  }
}

function* hashesIn(stored: string | Buffer | null): Generator<string> {
  if (stored) for (const match of fromStored(stored).matchAll(HASHES)) yield match[0];
}

const isUnfinished = (status: string) => status === 'queued' || status === 'running';

/** When the earliest of these runs that is still queued or running began. */
function oldestUnfinishedStart(db: Store['db'], runIds: string[]): string | undefined {
  const row = db.prepare<[string], { status: string; started_at: string }>('SELECT status, started_at FROM runs WHERE id = ?');
  let oldest: string | undefined;
  for (const id of runIds) {
    const run = row.get(id);
    if (run && isUnfinished(run.status) && (oldest === undefined || run.started_at < oldest)) oldest = run.started_at;
  }
  return oldest;
}

/** A cache row older than the cutoff, and the artifacts it names. */
interface OldCacheRow {
  id: number;
  artifacts: string[];
}

/**
 * An old row stays while everything it names is kept: a kept run that got its result from the cache
 * names the same artifacts (node.finished carries every output). Otherwise a result in use every day
 * — a pinned node's, a paid provider call's — would go N days after it was first made, and its node
 * would run again. A row of plain values names nothing to tell by, and goes at its age.
 */
function usedByKeptWork(row: OldCacheRow, referenced: Set<string>): boolean {
  return row.artifacts.length > 0 && row.artifacts.every((hash) => referenced.has(hash));
}

/** Bytes of a flow file read at a time: a stray file of any size is scanned, never held whole. */
export const FLOW_SCAN_CHUNK_BYTES = 1 << 20;
/** A hash split between two pieces is found in the next one, which starts with the end of this one. */
const HASH_OVERLAP = 63;

/**
 * Feeds `scan` the text of a file in the flows dir, a piece at a time. Anything but a plain file (a
 * directory, a FIFO, which would hold the read forever) is no flow, so it references nothing.
 */
function scanFlowFile(path: string, scan: (text: string) => void): void {
  let fd;
  try {
    fd = openPlainFile(path);
  } catch (error) {
    if (error instanceof NotAPlainFile) return;
    throw error;
  }
  if (fd === undefined) return; // removed since the folder was read
  try {
    const piece = Buffer.allocUnsafe(FLOW_SCAN_CHUNK_BYTES);
    let carried = '';
    for (let read = readSync(fd, piece); read > 0; read = readSync(fd, piece)) {
      // latin1: hashes are ASCII, and a UTF-8 character cut between pieces cannot turn into hex digits.
      const text = carried + piece.toString('latin1', 0, read);
      scan(text);
      carried = text.slice(-HASH_OVERLAP);
    }
  } finally {
    closeSync(fd);
  }
}

/** Removes old runs, their events and origins, old cache rows and old artifacts nothing references (or says what it would). */
function remove(store: Store, options: GcOptions, cutoff: string, referenced: Set<string>, oldCacheRows: number[], unfinishedSince: string | undefined): GcReport {
  const db = store.db;
  const oldRuns = oldRun('runs');
  // Only artifacts stored (or stored again: put() renews created_at) before the cutoff and before the
  // oldest unfinished run began are candidates: a running node may hold one it has stored and not yet
  // returned, which nothing names until its node.finished — even with --days 0.
  const keptSince = unfinishedSince !== undefined && unfinishedSince < cutoff ? unfinishedSince : undefined;
  const storedBefore = keptSince ?? cutoff;
  const removable = (db.prepare('SELECT hash FROM artifacts WHERE created_at < @storedBefore').all({ storedBefore }) as Array<{ hash: string }>)
    .map((r) => r.hash)
    .filter((hash) => !referenced.has(hash));
  const count = (sql: string) => (db.prepare(sql).get({ cutoff }) as { n: number | null }).n ?? 0;
  const report: GcReport = {
    cutoff,
    runs: count(`SELECT COUNT(*) AS n FROM runs WHERE ${oldRuns}`),
    events: count(`SELECT SUM(last_seq - first_seq + 1) AS n FROM events WHERE run_id IN (SELECT id FROM runs WHERE ${oldRuns})`),
    batches: count(`SELECT COUNT(*) AS n FROM batches WHERE ${oldBatch('batches')}`),
    cacheRows: oldCacheRows.length,
    artifacts: removable.length,
    bytes: 0,
    dryRun: Boolean(options.dryRun),
    removedArtifacts: removable,
    ...(keptSince !== undefined ? { keptSince } : {}),
  };
  const files = removable.flatMap((hash) => [store.artifacts.pathOf(hash), join(store.thumbnails.dir, `${hash}.webp`)]);
  for (const file of files) report.bytes += sizeOf(file);
  if (options.dryRun) return report;

  // Rows first, files after: a crash in between leaves files without rows, which put() rewrites
  // or the next gc finds; never a row whose file is gone while something references it.
  const deleteArtifact = db.prepare('DELETE FROM artifacts WHERE hash = ?');
  // By id, checked again: a row rewritten during the pass is new now.
  const deleteCacheRow = db.prepare('DELETE FROM cache WHERE id = ? AND created_at < ?');
  db.transaction(() => {
    // Before the runs: whether a batch goes depends on its runs being old, not on their rows being gone.
    db.prepare(`DELETE FROM batches WHERE ${oldBatch('batches')}`).run({ cutoff });
    db.prepare(`DELETE FROM events WHERE run_id IN (SELECT id FROM runs WHERE ${oldRuns})`).run({ cutoff });
    db.prepare(`DELETE FROM runs WHERE ${oldRuns}`).run({ cutoff });
    db.prepare(`DELETE FROM run_origins WHERE run_id NOT IN (SELECT id FROM runs) OR run_id IN (SELECT id FROM runs WHERE ${oldRuns})`).run({ cutoff });
    for (const id of oldCacheRows) deleteCacheRow.run(id, cutoff);
    for (const hash of removable) deleteArtifact.run(hash);
  })();
  store.cache.forgetMemory();
  for (const file of files) rmSync(file, { force: true });
  return report;
}

/**
 * A run (of table or alias `runs`) old enough to go. Unfinished runs are never old: a live run (or one
 * to be closed as interrupted) keeps its artifacts. An old run started before the cutoff too: that
 * term lets SQLite use the runs_started index.
 */
function oldRun(runs: string): string {
  return `${runs}.started_at < @cutoff AND ${runs}.status NOT IN ('queued', 'running') AND COALESCE(${runs}.finished_at, ${runs}.started_at) < @cutoff`;
}

/**
 * A batch (of table or alias `batches`) to remove: made before the cutoff, and none of its runs is kept
 * (each is old or already gone). A batch a crash left unfinished goes too, once its runs do.
 */
function oldBatch(batches: string): string {
  return `${batches}.created_at < @cutoff AND NOT EXISTS (SELECT 1 FROM json_each(${batches}.runs_json) j JOIN runs r ON r.id = json_extract(j.value, '$.runId') WHERE NOT (${oldRun('r')}))`;
}

/** Where a page ends: the parameters that make the query read on after its last row. */
type Position = Record<string, string | number>;

/** Reads a query's rows a page at a time, by increasing key, with a turn of the event loop after each page. */
class Pages {
  constructor(
    private readonly db: Store['db'],
    private readonly rows: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** `sql` selects `pageKey` and filters on `pageKey > @after`; answers the last key read. */
  async scan<Row>(sql: string, params: Record<string, unknown>, visit: (row: Row) => void): Promise<number> {
    const end = await this.pages<Row & { pageKey: number }>(`${sql} ORDER BY pageKey`, params, { after: 0 }, (row) => ({ after: row.pageKey }), visit);
    return end.after as number;
  }

  /** The rows added after `after` (synchronously: the last step). */
  scanRest<Row>(sql: string, params: Record<string, unknown>, after: number, visit: (row: Row) => void): void {
    for (const row of this.db.prepare(sql).iterate({ ...params, after }) as Iterable<Row>) visit(row);
  }

  /** Events of runs that are not old, paged by their key (run id, first seq). */
  async scanEvents(params: Record<string, unknown>, visit: (row: { json: string | Buffer }) => void): Promise<void> {
    const sql = `SELECT e.run_id AS runId, e.first_seq AS firstSeq, e.json FROM events e
       WHERE (e.run_id, e.first_seq) > (@runId, @firstSeq) AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id AND ${oldRun('r')})
       ORDER BY e.run_id, e.first_seq`;
    await this.pages<{ runId: string; firstSeq: number; json: string | Buffer }>(sql, params, { runId: '', firstSeq: -1 }, (row) => ({ runId: row.runId, firstSeq: row.firstSeq }), visit);
  }

  /** `sql` reads on from `from`'s parameters in key order; answers the position after the last row. */
  private async pages<Row>(sql: string, params: Record<string, unknown>, from: Position, positionOf: (row: Row) => Position, visit: (row: Row) => void): Promise<Position> {
    const page = this.db.prepare(`${sql} LIMIT @limit`);
    let position = from;
    for (;;) {
      const rows = page.all({ ...params, ...position, limit: this.rows }) as Row[];
      for (const row of rows) visit(row);
      if (rows.length > 0) position = positionOf(rows[rows.length - 1]);
      await nextTurn();
      this.signal?.throwIfAborted();
      if (rows.length < this.rows) return position;
    }
  }
}

/** The moment before which runs, cache rows and unreferenced artifacts go. */
export function retentionCutoff(days: number, now = new Date()): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The longest retention a pass takes (--days, POST /api/gc, ATELIER_RETENTION_DAYS): a hundred years. */
export const MAX_GC_DAYS = 36_500;

/** ATELIER_RETENTION_DAYS: unset or empty = off. Past MAX_GC_DAYS the cutoff is no date (every pass failed "Invalid time value"). */
export function retentionDays(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ATELIER_RETENTION_DAYS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const days = Number(raw);
  if (!Number.isFinite(days) || days < 0 || days > MAX_GC_DAYS) throw new Error(`ATELIER_RETENTION_DAYS must be a number of days from 0 to ${MAX_GC_DAYS}, got "${raw}"`);
  return days;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
