// Flow files under flows/: <id>.json, written atomically with sorted keys; `revision` guards
// concurrent saves (a stale one is refused with the current revision).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlowIdSchema, FlowSchema, MAX_FLOW_JSON_BYTES, slugify, stringifyFlow, type Flow } from '../../model/flow';
import { FILE_JSON_LIMITS, jsonProblem } from '../../model/json-limits';
import { writeFileAtomic } from './atomic-write';
import { ensureFolder, kindOf, NotAPlainFile, readPlainText } from './plain-file';
import { byNameThenId } from './compare-names';

/**
 * A flow file larger than this is reported, not read (nothing the API accepts is bigger: its body
 * limit is the same): a stray large file in flows/ would otherwise be read whole on every listing.
 */
export const MAX_FLOW_FILE_BYTES = MAX_FLOW_JSON_BYTES;

export class FlowNotFound extends Error {
  constructor(readonly id: string) {
    super(`no flow with id "${id}"`);
  }
}

export class RevisionConflict extends Error {
  constructor(
    readonly id: string,
    readonly currentRevision: number,
    readonly sentRevision: number,
  ) {
    super(`flow "${id}" is at revision ${currentRevision}, but this save was based on revision ${sentRevision}; reload it, overwrite, or save as a copy`);
  }
}

export class InvalidFlowFile extends Error {
  constructor(
    readonly id: string,
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(`flows/${id}.json is not a valid atelier.flow/1 document: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`);
  }
}

export interface FlowSummary {
  id: string;
  name: string;
  revision: number;
  description?: string;
  updatedAt: string;
  nodeCount: number;
  error?: string;
}

export function isFlowId(id: string): boolean {
  return FlowIdSchema.safeParse(id).success;
}

/** What was read from a flow file, kept while the file is unchanged. */
interface KnownFile {
  identity: string;
  /** Written so recently that a change within the same tick of the file clock would not show: read again. */
  racy: boolean;
  size: number;
  summary: FlowSummary;
  error?: InvalidFlowFile;
  /** The validated flow, parsed again for each caller (callers may change what they get); none past KNOWN_JSON_BYTES. */
  json?: string;
}

/** What the validated flows kept in memory may weigh together; past it a file is read again at each get. */
const KNOWN_JSON_BYTES = 64 * 1024 * 1024;
const RACY_MS = 1000;

export class FlowStore {
  private readonly known = new Map<string, KnownFile>();
  private knownJsonBytes = 0;

  constructor(readonly dir: string) {
    ensureFolder(dir, 'the flows dir (ATELIER_FLOWS)');
  }

  /** The ids of the flow files, unparsed and unsorted. */
  ids(): string[] {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -5))
      .filter(isFlowId);
  }

  list(): FlowSummary[] {
    const summaries: FlowSummary[] = [];
    const ids = this.ids();
    for (const id of ids) {
      try {
        summaries.push({ ...this.read(id).known.summary });
      } catch (error) {
        if (error instanceof FlowNotFound) continue; // removed since the directory was read
        summaries.push({ id, name: id, revision: 0, updatedAt: new Date(0).toISOString(), nodeCount: 0, error: (error as Error).message });
      }
    }
    if (this.known.size > ids.length) {
      const present = new Set(ids);
      for (const id of this.known.keys()) if (!present.has(id)) this.forget(id);
    }
    return summaries.sort(byNameThenId);
  }

  /**
   * A fingerprint of the flow files (name, size, inode, modification and change times to the
   * nanosecond): equal fingerprints mean no file was added, removed or written in between.
   */
  version(): string {
    const parts: string[] = [];
    for (const file of readdirSync(this.dir).sort()) {
      if (!file.endsWith('.json')) continue;
      try {
        const stat = statSync(join(this.dir, file), { bigint: true });
        parts.push(`${file}:${stat.size}:${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}`);
      } catch (error) {
        parts.push(`${file}:${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
    }
    return parts.join('/');
  }

  exists(id: string): boolean {
    return isFlowId(id) && existsSync(this.pathOf(id));
  }

  get(id: string): Flow {
    const { known, flow } = this.read(id);
    if (known.error) throw known.error;
    return flow ?? (known.json !== undefined ? (JSON.parse(known.json) as Flow) : this.parseFile(id, known.size));
  }

  /**
   * The file's summary (and its flow, when it was read now). A file read before and unchanged since
   * (same size, inode and times to the nanosecond) is not read again: listing 10,000 flows read and
   * validated every file at every listing (~1 s with the event loop held).
   */
  private read(id: string): { known: KnownFile; flow?: Flow } {
    if (!isFlowId(id)) throw new FlowNotFound(id);
    let stat;
    try {
      stat = statSync(this.pathOf(id), { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.forget(id);
      throw new FlowNotFound(id);
    }
    const identity = `${stat.size}:${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const before = this.known.get(id);
    if (before?.identity === identity && !before.racy) return { known: before };
    const size = Number(stat.size);
    const updatedAt = stat.mtime.toISOString();
    let flow: Flow | undefined;
    let summary: FlowSummary;
    let error: InvalidFlowFile | undefined;
    try {
      // A FIFO would hold the read (and with it every request) until something wrote to it.
      if (!stat.isFile()) throw new InvalidFlowFile(id, [{ path: '', message: `it is ${kindOf(stat)}, not a file` }]);
      flow = this.parseFile(id, size);
      summary = { id, name: flow.name, revision: flow.revision, ...(flow.description ? { description: flow.description } : {}), updatedAt, nodeCount: flow.nodes.length };
    } catch (failure) {
      if (!(failure instanceof InvalidFlowFile)) throw failure;
      error = failure;
      summary = { id, name: id, revision: 0, updatedAt, nodeCount: 0, error: failure.message };
    }
    this.forget(id);
    const json = flow && this.knownJsonBytes + size <= KNOWN_JSON_BYTES ? JSON.stringify(flow) : undefined;
    // A file's times move in the kernel's coarse ticks: one written again within the tick of this read would look unchanged.
    const racy = Date.now() - Number(stat.mtimeMs) < RACY_MS;
    const known: KnownFile = { identity, racy, size, summary, error, json };
    this.knownJsonBytes += json?.length ?? 0;
    this.known.set(id, known);
    return { known, flow };
  }

  private forget(id: string): void {
    this.knownJsonBytes -= this.known.get(id)?.json?.length ?? 0;
    this.known.delete(id);
  }

  private parseFile(id: string, size: number): Flow {
    if (size > MAX_FLOW_FILE_BYTES) {
      throw new InvalidFlowFile(id, [{ path: '', message: `${(size / 2 ** 20).toFixed(1)} MiB; flow files are limited to ${MAX_FLOW_FILE_BYTES / 2 ** 20} MiB` }]);
    }
    let text: string | undefined;
    try {
      text = readPlainText(this.pathOf(id)); // replaced by a FIFO since its stat: refused, not waited on
    } catch (error) {
      if (error instanceof NotAPlainFile) throw new InvalidFlowFile(id, [{ path: '', message: `it is ${error.what}, not a file` }]);
      throw error;
    }
    if (text === undefined) throw new FlowNotFound(id);
    // A file is as hostile as a request body (downloaded, hand-edited): the body's nesting limit holds.
    const problem = jsonProblem(text, FILE_JSON_LIMITS);
    if (problem) throw new InvalidFlowFile(id, [{ path: problem.field === '(body)' ? '' : problem.field, message: problem.message }]);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new InvalidFlowFile(id, [{ path: '', message: `not JSON (${(error as Error).message})` }]);
    }
    const parsed = FlowSchema.safeParse(raw);
    if (!parsed.success) throw new InvalidFlowFile(id, parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    return parsed.data;
  }

  /** Saves over `id` if `flow.revision` is the revision on disk (or the file is new); returns the new revision. */
  save(id: string, flow: Flow): number {
    if (!isFlowId(id)) throw new FlowNotFound(id);
    const current = this.exists(id) ? this.currentRevision(id) : undefined;
    if (current !== undefined && flow.revision !== current) throw new RevisionConflict(id, current, flow.revision);
    this.refuseDirectory(id);
    const revision = (current ?? 0) + 1;
    writeFileAtomic(this.pathOf(id), stringifyFlow({ ...flow, revision }));
    return revision;
  }

  /** Creates a new file with an id derived from the name, made unique with -2, -3 … */
  create(flow: Flow): { id: string; revision: number } {
    const base = slugify(flow.name);
    let id = base;
    for (let i = 2; this.exists(id); i++) id = `${base}-${i}`;
    writeFileAtomic(this.pathOf(id), stringifyFlow({ ...flow, revision: 1 }));
    return { id, revision: 1 };
  }

  delete(id: string): void {
    if (!this.exists(id)) throw new FlowNotFound(id);
    this.refuseDirectory(id);
    rmSync(this.pathOf(id));
    this.forget(id);
  }

  /** A folder named like a flow file is the user's: never written over or removed (a FIFO or a stray file may be). */
  private refuseDirectory(id: string): void {
    if (statSync(this.pathOf(id), { throwIfNoEntry: false })?.isDirectory()) {
      throw new InvalidFlowFile(id, [{ path: '', message: 'it is a directory, not a file; move it away to save or delete a flow under this id' }]);
    }
  }

  private currentRevision(id: string): number {
    try {
      const stat = statSync(this.pathOf(id));
      if (!stat.isFile() || stat.size > MAX_FLOW_FILE_BYTES) return 0; // not a flow this server wrote
      const raw = JSON.parse(readPlainText(this.pathOf(id)) ?? '{}') as { revision?: unknown };
      return typeof raw.revision === 'number' ? raw.revision : 0;
    } catch {
      return 0;
    }
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
