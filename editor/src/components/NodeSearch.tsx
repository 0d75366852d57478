// The quick-add search box (double-click on the canvas, or a link dropped on empty canvas).
import { useMemo, useState } from 'react';
import { addNode, openDialog, useEditor, type Dialog } from '../store/store';
import { filterCatalog } from './node-filter';

export function NodeSearch({ dialog }: { dialog: Extract<Dialog, { kind: 'search' }> }) {
  const catalog = useEditor((s) => s.catalog);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const matches = useMemo(() => filterCatalog(catalog?.nodes ?? [], query, dialog.link), [catalog, query, dialog.link]);
  const pick = (atype: string) => {
    openDialog(null);
    addNode(atype, dialog.flow, dialog.link);
  };
  // Inside the canvas area, so the popup never covers the inspector or the palette.
  const area = document.querySelector('.canvas-area')?.getBoundingClientRect() ?? { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight };
  const left = Math.max(area.left + 8, Math.min(dialog.screen.x, area.right - 330));
  const top = Math.max(area.top + 8, Math.min(dialog.screen.y, area.bottom - 370));
  return (
    <div className="search-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openDialog(null)}>
      <div className="node-search" role="dialog" aria-label="Add node" style={{ left, top }}>
        <input
          autoFocus
          type="search"
          aria-label="Search nodes"
          placeholder={dialog.link ? `Nodes that take or give ${dialog.link.dataType}…` : 'Search nodes…'}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, matches.length - 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
            else if (e.key === 'Enter' && matches[active]) pick(matches[active].type);
            else if (e.key === 'Escape') openDialog(null);
            else return;
            e.preventDefault();
          }}
        />
        <ul role="listbox" aria-label="Matching nodes">
          {matches.length === 0 && <li className="muted small">No node matches{dialog.link ? ` with a ${dialog.link.dataType} port` : ''}.</li>}
          {matches.map((n, i) => (
            <li key={n.type} role="option" aria-selected={i === active} data-node-type={n.type} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => pick(n.type)}>
              <b>{n.title}</b> <span className="muted small">{n.category} · {n.type}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
