// Readable, unique ids for new nodes and edges ("resize-2", "e-resize-2.image-output-1.value").

export function newNodeId(atype: string, taken: Set<string>): string {
  const base = (atype.split('.').pop() || 'node').toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'node';
  for (let i = 1; ; i++) {
    const id = `${base}-${i}`;
    if (!taken.has(id)) return id;
  }
}

export function newEdgeId(source: string, sourceHandle: string, target: string, targetHandle: string, taken: Set<string>): string {
  const base = `e-${source}.${sourceHandle}-${target}.${targetHandle}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
