// Catalog search, ranked: a title starting with the query, then words of the title, then the type,
// the category and last the description. With a pending link, only node types that have a port
// compatible with the link's data type.
import type { CatalogNode } from '../api/types';
import { typesCompatible } from '../graph/compat';
import type { PendingLink } from '../store/store';

const wordsOf = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** How well one query word matches a node: lower is better; Infinity when it does not match. */
function wordRank(word: string, n: CatalogNode, title: string[], type: string[]): number {
  if (title.some((t) => t.startsWith(word))) return 1;
  if (n.title.toLowerCase().includes(word)) return 2;
  if (type.some((t) => t.startsWith(word))) return 3;
  if (n.type.toLowerCase().includes(word)) return 4;
  if (n.category.toLowerCase().includes(word)) return 5;
  if (n.description.toLowerCase().includes(word)) return 6;
  return Infinity;
}

/** The rank of a node for the query (lower first), or Infinity when some word matches nowhere. */
export function rankNode(n: CatalogNode, query: string): number {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return 0;
  if (n.title.toLowerCase().startsWith(query.trim().toLowerCase())) return 0;
  const title = wordsOf(n.title);
  const type = wordsOf(n.type);
  return Math.max(...words.map((w) => wordRank(w, n, title, type)));
}

export function filterCatalog(nodes: CatalogNode[], query: string, link?: PendingLink): CatalogNode[] {
  const ranked: Array<[CatalogNode, number, number]> = [];
  nodes.forEach((n, i) => {
    if (link) {
      const ports = Object.values(link.side === 'source' ? n.inputs : n.outputs);
      if (!ports.some((p) => typesCompatible(link.side === 'source' ? link.dataType : p.type, link.side === 'source' ? p.type : link.dataType))) return;
    }
    const rank = rankNode(n, query);
    if (rank !== Infinity) ranked.push([n, rank, i]);
  });
  return ranked.sort((a, b) => a[1] - b[1] || a[2] - b[2]).map(([n]) => n);
}
