// A fixed-row-height virtualised list: only the rows in view (plus a margin) are in the DOM.
import { useLayoutEffect, useRef, useState } from 'react';

interface Props<T> {
  items: T[];
  rowHeight: number;
  render: (item: T, index: number) => React.ReactNode;
  itemKey: (item: T) => string | number;
  overscan?: number;
  className?: string;
  label: string;
  /** What data-total reports when rows group several things (a grid's cards); default: the rows. */
  total?: number;
}

export function VirtualList<T>({ items, rowHeight, render, itemKey, overscan = 6, className, label, total }: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);

  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  return (
    <div ref={scroller} className={`ws-vlist ${className ?? ''}`} role="list" aria-label={label} data-total={total ?? items.length}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div key={itemKey(item)} role="listitem" className="ws-vrow" style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
