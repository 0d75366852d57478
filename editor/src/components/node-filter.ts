// Catalog search: matches title, type, category and description; with a pending link,
// only node types that have a port compatible with the link's data type.
import type { CatalogNode } from '../api/types';
import { typesCompatible } from '../graph/compat';
import type { PendingLink } from '../store/store';

export function filterCatalog(nodes: CatalogNode[], query: string, link?: PendingLink): CatalogNode[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return nodes.filter((n) => {
    if (link) {
      const ports = Object.values(link.side === 'source' ? n.inputs : n.outputs);
      if (!ports.some((p) => typesCompatible(link.side === 'source' ? link.dataType : p.type, link.side === 'source' ? p.type : link.dataType))) return false;
    }
    const hay = `${n.title} ${n.type} ${n.category} ${n.description}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
