// Gallery: every generated or uploaded image with its prompt, provider and parent (lineage),
// also copied under a human name: prompt-words__2026-11-25T10-31-02.png
import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GalleryEntryInput } from '../../nodes/api';
import type { ArtifactStore } from './artifacts';
import type { Db } from './db';
import { asStoreError } from './errors';
import { extensionFor } from './sniff';

export interface GalleryEntry {
  id: number;
  artifact: { artifact: string; url: string; mediaType: string; width?: number; height?: number };
  thumbnailUrl: string;
  fileName: string;
  prompt?: string;
  provider?: string;
  model?: string;
  text?: string;
  parent?: string;
  runId?: string;
  nodeId?: string;
  createdAt: string;
}

interface GalleryRow {
  id: number;
  hash: string;
  file_name: string;
  prompt: string | null;
  provider: string | null;
  model: string | null;
  text: string | null;
  parent: string | null;
  run_id: string | null;
  node_id: string | null;
  created_at: string;
}

export interface GalleryQuery {
  provider?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

export class GalleryStore {
  /** The human-named file's parts (written one after another) from the stored bytes, e.g. a PNG with its flow embedded; unset: an exact copy. */
  fileParts?: (bytes: Buffer, origin: { runId?: string; nodeId?: string }) => readonly Uint8Array[];

  constructor(
    private readonly db: Db,
    private readonly artifacts: ArtifactStore,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Adds the entry and writes its human-named file, reading and writing on libuv's threads (a 5 MB
   * image with its flow embedded held the event loop ~60 ms when done in one step). The row comes
   * first, in the call: from then on the artifact counts as referenced (gc) and the name is taken.
   * When the file cannot be written the row goes again and the promise rejects (StoreUnavailable when
   * the disk is full); a partly written file is removed.
   */
  async add(entry: GalleryEntryInput, origin: { runId?: string; nodeId?: string } = {}, now = new Date()): Promise<GalleryEntry> {
    let fileName: string;
    let added: GalleryEntry;
    try {
      fileName = this.fileNameFor(entry, now);
      added = this.insert(entry, origin, fileName, now);
    } catch (error) {
      throw asStoreError(error);
    }
    const target = join(this.dir, fileName);
    this.writing.add(fileName);
    try {
      const source = this.artifacts.pathOf(entry.artifact.artifact);
      if (this.fileParts && origin.runId) await writeFile(target, this.fileParts(await readFile(source), origin));
      else await copyFile(source, target);
      return added;
    } catch (error) {
      await rm(target, { force: true }).catch(() => {});
      try {
        this.db.prepare('DELETE FROM gallery WHERE id = ?').run(added.id);
      } catch {
        // the entry stays, naming a file that is not there: its image is still the stored artifact
      }
      throw asStoreError(error);
    } finally {
      this.writing.delete(fileName);
    }
  }

  /** Names of files being written now. */
  private readonly writing = new Set<string>();

  private fileNameFor(entry: GalleryEntryInput, now: Date): string {
    const base = humanName(entry.prompt ?? entry.provider ?? 'image', now);
    const ext = extensionFor(entry.artifact.mediaType);
    let name = `${base}.${ext}`;
    for (let i = 2; this.writing.has(name) || existsSync(join(this.dir, name)); i++) name = `${base}-${i}.${ext}`;
    return name;
  }

  private insert(entry: GalleryEntryInput, origin: { runId?: string; nodeId?: string }, fileName: string, now: Date): GalleryEntry {
    const info = this.db
      .prepare(
        `INSERT INTO gallery (hash, file_name, prompt, provider, model, text, parent, run_id, node_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(entry.artifact.artifact, fileName, entry.prompt ?? null, entry.provider ?? null, entry.model ?? null, entry.text ?? null,
        entry.parent ?? null, origin.runId ?? null, origin.nodeId ?? null, now.toISOString());
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): GalleryEntry | undefined {
    const row = this.db.prepare<[number], GalleryRow>('SELECT * FROM gallery WHERE id = ?').get(id);
    return row ? this.toEntry(row) : undefined;
  }

  list(query: GalleryQuery = {}): { entries: GalleryEntry[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.provider) {
      where.push('provider = ?');
      args.push(query.provider);
    }
    if (query.search) {
      where.push("(prompt LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')");
      const like = `%${query.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      args.push(like, like);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM gallery ${clause}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM gallery ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, Math.min(query.limit ?? 200, 5000), query.offset ?? 0) as GalleryRow[];
    return { entries: rows.map((row) => this.toEntry(row)), total };
  }

  private toEntry(row: GalleryRow): GalleryEntry {
    const artifact = this.artifacts.get(row.hash) ?? { artifact: row.hash, url: `/api/artifacts/${row.hash}`, mediaType: 'application/octet-stream' };
    const entry: GalleryEntry = {
      id: row.id,
      artifact,
      thumbnailUrl: `/api/artifacts/${row.hash}/thumbnail`,
      fileName: row.file_name,
      createdAt: row.created_at,
    };
    if (row.prompt != null) entry.prompt = row.prompt;
    if (row.provider != null) entry.provider = row.provider;
    if (row.model != null) entry.model = row.model;
    if (row.text != null) entry.text = row.text;
    if (row.parent != null) entry.parent = row.parent;
    if (row.run_id != null) entry.runId = row.run_id;
    if (row.node_id != null) entry.nodeId = row.node_id;
    return entry;
  }
}

/** "A red felt hat, on a table!" at 10:31:02 → "a-red-felt-hat-on-a-table__2026-11-25T10-31-02" */
export function humanName(text: string, now: Date): string {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .slice(0, 8)
    .join('-')
    .slice(0, 60);
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  return `${words || 'image'}__${stamp}`;
}

