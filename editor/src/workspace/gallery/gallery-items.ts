// What the gallery shows: gallery entries (generated and uploaded images, with lineage) and, with
// "All flow outputs", the image outputs of recent runs — offline flows put nothing in the gallery.
import { api, artifactUrl } from '../../api/client';
import type { Artifact, FlowSummary, RunRecord } from '../../api/types';
import { lineageRows } from '../lineage';
import type { GalleryEntry } from '../workspace-api';

export interface GalleryItem {
  key: string;
  artifact: Artifact;
  thumbnailUrl: string;
  /** The prompt, else the file or output name. */
  title: string;
  createdAt: string;
  /** Generated or uploaded image: its gallery entry. */
  entry?: GalleryEntry;
  /** Flow output: the flow and run that made it. */
  output?: { runId: string; flowName: string; port: string };
  runId?: string;
  depth: number;
  children: number;
}

export type GalleryShow = 'generated' | 'outputs';

export function itemsFromEntries(entries: GalleryEntry[], tree: boolean): GalleryItem[] {
  const rows = tree ? lineageRows(entries) : entries.map((entry) => ({ entry, depth: 0, children: 0 }));
  return rows.map(({ entry, depth, children }) => ({
    key: `g${entry.id}`,
    artifact: entry.artifact,
    thumbnailUrl: entry.thumbnailUrl,
    title: entry.prompt ?? entry.fileName,
    createdAt: entry.createdAt,
    entry,
    runId: entry.runId,
    depth,
    children,
  }));
}

/** Runs looked at for "All flow outputs", newest first. */
export const RECENT_RUNS = 40;
const PARALLEL_FETCHES = 6;

const isImage = (value: unknown): value is Artifact =>
  !!value && typeof value === 'object' && typeof (value as Artifact).artifact === 'string' && String((value as Artifact).mediaType).startsWith('image/');

export function itemsFromRuns(records: RunRecord[], flows: FlowSummary[]): GalleryItem[] {
  const names = new Map(flows.map((f) => [f.id, f.name]));
  const items: GalleryItem[] = [];
  for (const run of records) {
    const flowName = run.flowId ? (names.get(run.flowId) ?? run.flowId) : 'Unsaved flow';
    for (const [port, value] of Object.entries(run.outputs ?? {})) {
      if (!isImage(value)) continue;
      items.push({
        key: `r${run.id}:${port}`,
        artifact: value,
        thumbnailUrl: artifactUrl(value, true),
        title: port,
        createdAt: run.finishedAt ?? run.startedAt,
        output: { runId: run.id, flowName, port },
        runId: run.id,
        depth: 0,
        children: 0,
      });
    }
  }
  return items;
}

/** The records of the latest finished runs (a bounded number, fetched a few at a time). */
export async function fetchRecentRuns(): Promise<RunRecord[]> {
  const { runs } = await api.listRuns(undefined, RECENT_RUNS);
  const done = runs.filter((r) => r.status === 'succeeded' || r.status === 'failed');
  const records: RunRecord[] = [];
  for (let i = 0; i < done.length; i += PARALLEL_FETCHES) records.push(...(await Promise.all(done.slice(i, i + PARALLEL_FETCHES).map((r) => api.getRun(r.id)))));
  return records;
}

/** Generated images, then (with "outputs") the flow outputs not already listed, filtered by the search text. */
export function mergeItems(generated: GalleryItem[], outputs: GalleryItem[], search: string): GalleryItem[] {
  const seen = new Set(generated.map((g) => `${g.runId ?? ''}:${g.artifact.artifact}`));
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (item: GalleryItem) => words.every((w) => `${item.title} ${item.output?.flowName ?? ''}`.toLowerCase().includes(w));
  return [...generated, ...outputs.filter((o) => !seen.has(`${o.runId}:${o.artifact.artifact}`) && matches(o))];
}
