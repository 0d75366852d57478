// Retention: removes runs (with their events and origins) and cache rows older than N days, then every
// artifact nothing references any more. Referenced means: named anywhere in a kept run's flow, record,
// events (outputs, previews) or origin (the flow as sent and its inputs, which PNG exports embed), a
// gallery entry (its image or parent), a saved flow file (params naming hashes), or a kept cache row.
// Hashes are found by pattern in the stored JSON, so a new place that names an artifact is covered
// without teaching gc about it (it may keep too much, never too little).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './index';
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
}

export interface GcReport {
  cutoff: string;
  runs: number;
  events: number;
  cacheRows: number;
  artifacts: number;
  /** Bytes of artifact files (and their thumbnails) removed, or that would be. */
  bytes: number;
  dryRun: boolean;
  removedArtifacts: string[];
}

const HASHES = /[0-9a-f]{64}/g;
const DAY_MS = 86_400_000;

export function collectGarbage(store: Store, options: GcOptions): GcReport {
  if (!Number.isFinite(options.days) || options.days < 0) throw new Error(`retention days must be a non-negative number, got ${options.days}`);
  store.writes.flush(); // live runs' latest state is in the database before it is read
  const db = store.db;
  const cutoff = retentionCutoff(options.days, options.now).toISOString();
  // Unfinished runs are never old: a live run (or one to be closed as interrupted) keeps its artifacts.
  const oldRuns = `status NOT IN ('queued', 'running') AND COALESCE(finished_at, started_at) < @cutoff`;

  const referenced = new Set<string>();
  const scan = (stored: string | Buffer | null) => {
    if (stored) for (const match of fromStored(stored).matchAll(HASHES)) referenced.add(match[0]);
  };
  for (const row of db.prepare(`SELECT flow_json, record_json FROM runs WHERE NOT (${oldRuns})`).iterate({ cutoff }) as Iterable<{ flow_json: string | Buffer; record_json: string | Buffer }>) {
    scan(row.flow_json);
    scan(row.record_json);
  }
  // An origin lives as long as its run: one whose run goes (or went, before gc removed origins) goes too.
  const keptRunIds = `SELECT id FROM runs WHERE NOT (${oldRuns})`;
  for (const row of db.prepare(`SELECT flow_json, inputs_json FROM run_origins WHERE run_id IN (${keptRunIds})`).iterate({ cutoff }) as Iterable<{ flow_json: string | Buffer; inputs_json: string }>) {
    scan(row.flow_json);
    scan(row.inputs_json);
  }
  const keptEvents = `SELECT e.json FROM events e WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id AND ${oldRuns.replace(/status|finished_at|started_at/g, (c) => `r.${c}`)})`;
  for (const row of db.prepare(keptEvents).iterate({ cutoff }) as Iterable<{ json: string | Buffer }>) scan(row.json);
  for (const row of db.prepare('SELECT hash, parent FROM gallery').iterate() as Iterable<{ hash: string; parent: string | null }>) {
    referenced.add(row.hash);
    scan(row.parent);
  }
  for (const row of db.prepare('SELECT outputs_json, meta_json FROM cache WHERE created_at >= @cutoff').iterate({ cutoff }) as Iterable<{ outputs_json: string; meta_json: string | null }>) {
    scan(row.outputs_json);
    scan(row.meta_json);
  }
  for (const source of options.referenced ?? []) for (const hash of source) referenced.add(hash);
  if (existsSync(options.flowsDir)) {
    for (const file of readdirSync(options.flowsDir)) if (file.endsWith('.json')) scan(readFileSync(join(options.flowsDir, file), 'utf8'));
  }

  // Only artifacts older than the cutoff are candidates: one stored a moment ago may belong to work
  // in flight that no record names yet.
  const removable = (db.prepare('SELECT hash FROM artifacts WHERE created_at < @cutoff').all({ cutoff }) as Array<{ hash: string }>)
    .map((r) => r.hash)
    .filter((hash) => !referenced.has(hash));
  const count = (sql: string) => (db.prepare(sql).get({ cutoff }) as { n: number | null }).n ?? 0;
  const report: GcReport = {
    cutoff,
    runs: count(`SELECT COUNT(*) AS n FROM runs WHERE ${oldRuns}`),
    events: count(`SELECT SUM(last_seq - first_seq + 1) AS n FROM events WHERE run_id IN (SELECT id FROM runs WHERE ${oldRuns})`),
    cacheRows: count('SELECT COUNT(*) AS n FROM cache WHERE created_at < @cutoff'),
    artifacts: removable.length,
    bytes: 0,
    dryRun: Boolean(options.dryRun),
    removedArtifacts: removable,
  };
  const files = removable.flatMap((hash) => [store.artifacts.pathOf(hash), join(store.thumbnails.dir, `${hash}.webp`)]);
  for (const file of files) report.bytes += sizeOf(file);
  if (options.dryRun) return report;

  // Rows first, files after: a crash in between leaves files without rows, which put() rewrites
  // or the next gc finds; never a row whose file is gone while something references it.
  const deleteArtifact = db.prepare('DELETE FROM artifacts WHERE hash = ?');
  db.transaction(() => {
    db.prepare(`DELETE FROM events WHERE run_id IN (SELECT id FROM runs WHERE ${oldRuns})`).run({ cutoff });
    db.prepare(`DELETE FROM runs WHERE ${oldRuns}`).run({ cutoff });
    db.prepare(`DELETE FROM run_origins WHERE run_id NOT IN (${keptRunIds})`).run({ cutoff });
    db.prepare('DELETE FROM cache WHERE created_at < @cutoff').run({ cutoff });
    for (const hash of removable) deleteArtifact.run(hash);
  })();
  store.cache.forgetMemory();
  for (const file of files) rmSync(file, { force: true });
  return report;
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

/** ATELIER_RETENTION_DAYS: unset or empty = off. */
export function retentionDays(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ATELIER_RETENTION_DAYS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const days = Number(raw);
  if (!Number.isFinite(days) || days < 0) throw new Error(`ATELIER_RETENTION_DAYS must be a non-negative number of days, got "${raw}"`);
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
