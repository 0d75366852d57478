// Node palette by category: drag a node onto the canvas, or click to add it at the centre.
import { useReactFlow } from '@xyflow/react';
import { KeyRound } from 'lucide-react';
import { useMemo, useState } from 'react';
import { addNode, useEditor } from '../store/store';
import { PALETTE_MIME } from './Canvas';
import { filterCatalog } from './node-filter';

export function Palette() {
  const catalog = useEditor((s) => s.catalog);
  const missingKeys = useEditor((s) => s.missingKeys);
  const [query, setQuery] = useState('');
  const rf = useReactFlow();
  const groups = useMemo(() => {
    const map = new Map<string, NonNullable<typeof catalog>['nodes']>();
    for (const n of filterCatalog(catalog?.nodes ?? [], query)) map.set(n.category, [...(map.get(n.category) ?? []), n]);
    return [...map.entries()];
  }, [catalog, query]);

  const addAtCentre = (atype: string) => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const count = useEditor.getState().nodes.length;
    const centre = canvas ? { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 } : { x: 400, y: 300 };
    const p = rf.screenToFlowPosition(centre);
    addNode(atype, { x: p.x - 110 + (count % 5) * 24, y: p.y - 50 + (count % 5) * 24 });
  };

  return (
    <nav className="palette" aria-label="Node palette">
      <input type="search" aria-label="Filter nodes" placeholder="Filter nodes…" value={query} onChange={(e) => setQuery(e.target.value)} />
      {groups.map(([category, nodes]) => (
        <section key={category}>
          <h3>{category}</h3>
          {nodes.map((n) => (
            <button
              key={n.type}
              type="button"
              className="palette-item"
              draggable
              data-node-type={n.type}
              data-missing-key={missingKeys[n.type] ? 'true' : undefined}
              title={`${n.description}${missingKeys[n.type] ? `\nNeeds a key: ${missingKeys[n.type]} (see the Keys tab)` : ''}\n(drag onto the canvas, or click to add)`}
              onDragStart={(e) => {
                e.dataTransfer.setData(PALETTE_MIME, n.type);
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => addAtCentre(n.type)}
            >
              <span>
                {n.title}
                {missingKeys[n.type] && <KeyRound className="missing-key" size={12} aria-label="needs a key" />}
              </span>
              <span className="ports-hint">
                {Object.values(n.inputs).map((p, i) => <i key={`i${i}`} className={`dot port-type-${p.type}`} />)}→
                {Object.values(n.outputs).map((p, i) => <i key={`o${i}`} className={`dot port-type-${p.type}`} />)}
              </span>
            </button>
          ))}
        </section>
      ))}
      {catalog && groups.length === 0 && <p className="muted small">No node matches “{query}”.</p>}
    </nav>
  );
}
