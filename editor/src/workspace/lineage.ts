// The gallery's lineage tree (parent image → edits), flattened for a virtualised list.
import type { GalleryEntry } from './workspace-api';

export interface LineageRow {
  entry: GalleryEntry;
  depth: number;
  /** How many entries were made from this one (directly). */
  children: number;
}

/**
 * Roots (no parent, or a parent outside the list) newest first; each entry's children (entries whose
 * `parent` is its image hash) below it, oldest first. An image listed twice keeps its children once.
 */
export function lineageRows(entries: GalleryEntry[]): LineageRow[] {
  const byHash = new Map<string, GalleryEntry>();
  for (const e of entries) if (!byHash.has(e.artifact.artifact)) byHash.set(e.artifact.artifact, e);
  const children = new Map<string, GalleryEntry[]>();
  const roots: GalleryEntry[] = [];
  for (const e of entries) {
    if (e.parent && byHash.has(e.parent) && e.parent !== e.artifact.artifact) {
      const list = children.get(e.parent) ?? [];
      list.push(e);
      children.set(e.parent, list);
    } else roots.push(e);
  }
  roots.sort((a, b) => b.id - a.id);
  for (const list of children.values()) list.sort((a, b) => a.id - b.id);
  const rows: LineageRow[] = [];
  const seen = new Set<number>();
  const expanded = new Set<string>();
  // Depth-first with an explicit stack: a lineage chain is as long as users make it.
  const visit = (start: GalleryEntry) => {
    const stack: Array<{ e: GalleryEntry; depth: number }> = [{ e: start, depth: 0 }];
    while (stack.length) {
      const { e, depth } = stack.pop()!;
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      const hash = e.artifact.artifact;
      const kids = expanded.has(hash) ? [] : (children.get(hash) ?? []);
      expanded.add(hash);
      rows.push({ entry: e, depth, children: kids.length });
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ e: kids[i], depth: depth + 1 });
    }
  };
  for (const root of roots) visit(root);
  // Entries caught in a parent cycle are reachable from no root: list them flat at the end.
  for (const e of entries) if (!seen.has(e.id)) visit(e);
  return rows;
}

/** The chain of ancestors of an entry, nearest first. */
export function ancestors(entry: GalleryEntry, entries: GalleryEntry[]): GalleryEntry[] {
  const byHash = new Map(entries.map((e) => [e.artifact.artifact, e]));
  const chain: GalleryEntry[] = [];
  const seen = new Set([entry.artifact.artifact]);
  for (let p = entry.parent; p && !seen.has(p); ) {
    seen.add(p);
    const parent = byHash.get(p);
    if (!parent) break;
    chain.push(parent);
    p = parent.parent;
  }
  return chain;
}
