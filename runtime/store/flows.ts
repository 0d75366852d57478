// Flow files under flows/: <id>.json, written atomically with sorted keys; `revision` guards
// concurrent saves (a stale one is refused with the current revision).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlowIdSchema, FlowSchema, slugify, stringifyFlow, type Flow } from '../../model/flow';
import { FILE_JSON_LIMITS, jsonProblem } from '../../model/json-limits';
import { writeFileAtomic } from './atomic-write';
import { byNameThenId } from './compare-names';

/**
 * A flow file larger than this is reported, not read (nothing the API accepts is bigger: its body
 * limit is the same): a stray large file in flows/ would otherwise be read whole on every listing.
 */
export const MAX_FLOW_FILE_BYTES = 16 * 1024 * 1024;

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

export class FlowStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
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
    for (const id of this.ids()) {
      const updatedAt = statSync(this.pathOf(id)).mtime.toISOString();
      try {
        const flow = this.get(id);
        summaries.push({ id, name: flow.name, revision: flow.revision, ...(flow.description ? { description: flow.description } : {}), updatedAt, nodeCount: flow.nodes.length });
      } catch (error) {
        summaries.push({ id, name: id, revision: 0, updatedAt, nodeCount: 0, error: (error as Error).message });
      }
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
    if (!this.exists(id)) throw new FlowNotFound(id);
    const size = statSync(this.pathOf(id)).size;
    if (size > MAX_FLOW_FILE_BYTES) {
      throw new InvalidFlowFile(id, [{ path: '', message: `${(size / 2 ** 20).toFixed(1)} MiB; flow files are limited to ${MAX_FLOW_FILE_BYTES / 2 ** 20} MiB` }]);
    }
    const text = readFileSync(this.pathOf(id), 'utf8');
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
    rmSync(this.pathOf(id));
  }

  private currentRevision(id: string): number {
    try {
      if (statSync(this.pathOf(id)).size > MAX_FLOW_FILE_BYTES) return 0; // not a flow this server wrote
      const raw = JSON.parse(readFileSync(this.pathOf(id), 'utf8')) as { revision?: unknown };
      return typeof raw.revision === 'number' ? raw.revision : 0;
    } catch {
      return 0;
    }
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
