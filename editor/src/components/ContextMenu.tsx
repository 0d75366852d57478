// A right-click menu at a screen point: a list of labelled actions; choosing one closes it.
import type { XYPosition } from '@xyflow/react';
import { openDialog } from '../store/store';

export type MenuItem = [label: string, action: () => void];

export function ContextMenu({ screen, label, items }: { screen: XYPosition; label: string; items: MenuItem[] }) {
  const act = (action: () => void) => () => {
    openDialog(null);
    action();
  };
  return (
    <div className="search-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openDialog(null)} onContextMenu={(e) => (e.preventDefault(), openDialog(null))}>
      <ul className="node-menu" role="menu" aria-label={label} style={{ left: Math.min(screen.x, window.innerWidth - 200), top: Math.min(screen.y, window.innerHeight - 40 - 28 * items.length) }}>
        {items.map(([text, action], i) => (
          <li key={text} role="menuitem" tabIndex={-1} autoFocus={i === 0} onClick={act(action)} onKeyDown={(e) => e.key === 'Enter' && act(action)()}>
            {text}
          </li>
        ))}
      </ul>
    </div>
  );
}
