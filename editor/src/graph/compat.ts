// Which ports may be linked: same data type, or either side is `any`.
import type { CatalogNode } from '../api/types';

export function typesCompatible(sourceType: string, targetType: string): boolean {
  return sourceType === 'any' || targetType === 'any' || sourceType === targetType;
}

export interface ConnectionCheck {
  ok: boolean;
  reason?: string;
}

export function checkConnection(
  source: { nodeId: string; handle: string; spec?: CatalogNode },
  target: { nodeId: string; handle: string; spec?: CatalogNode },
): ConnectionCheck {
  if (source.nodeId === target.nodeId) return { ok: false, reason: 'A node cannot be linked to itself' };
  const out = source.spec?.outputs[source.handle];
  const inp = target.spec?.inputs[target.handle];
  if (!out) return { ok: false, reason: `"${source.handle}" is not an output of ${source.spec?.title ?? source.nodeId}` };
  if (!inp) return { ok: false, reason: `"${target.handle}" is not an input of ${target.spec?.title ?? target.nodeId}` };
  if (!typesCompatible(out.type, inp.type)) {
    return { ok: false, reason: `Cannot link ${out.type} → ${inp.type}: "${source.handle}" gives ${out.type}, "${target.handle}" takes ${inp.type}` };
  }
  return { ok: true };
}

/** The first port of `spec` on the given side that accepts/gives `dataType`. */
export function firstCompatiblePort(spec: CatalogNode, side: 'inputs' | 'outputs', dataType: string): string | undefined {
  const ports = Object.entries(spec[side]);
  const exact = ports.find(([, p]) => p.type === dataType);
  if (exact) return exact[0];
  return ports.find(([, p]) => typesCompatible(p.type, dataType))?.[0];
}

/** True if following edges from `from` reaches `to` (a new link to→from would close a cycle). */
export function reaches(edges: { source: string; target: string }[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}
