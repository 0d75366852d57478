// A responsive grid of cards (as many ≥ 160 px columns as fit), virtualised by rows of cards, so
// thousands of images keep only what is in view in the page.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { VirtualList } from '../VirtualList';
import { GalleryCard } from './GalleryCard';
import type { GalleryItem } from './gallery-items';

export const CARD_MIN_WIDTH = 168;
const GAP = 8;
const CARD_HEIGHT = 262;

export function GalleryGrid({ items, selected, onSelect }: { items: GalleryItem[]; selected?: string; onSelect: (item: GalleryItem) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(1);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setColumns(Math.max(1, Math.floor((el.clientWidth + GAP) / (CARD_MIN_WIDTH + GAP))));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const rows = useMemo(() => {
    const out: GalleryItem[][] = [];
    for (let i = 0; i < items.length; i += columns) out.push(items.slice(i, i + columns));
    return out;
  }, [items, columns]);
  return (
    <div className="ws-gallery-grid-box" ref={box}>
      <VirtualList
        label="Gallery images"
        items={rows}
        total={items.length}
        rowHeight={CARD_HEIGHT + GAP}
        itemKey={(row) => row[0].key}
        render={(row) => (
          <div className="ws-gallery-grid" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, height: CARD_HEIGHT }}>
            {row.map((item) => <GalleryCard key={item.key} item={item} selected={item.key === selected} onSelect={onSelect} />)}
          </div>
        )}
      />
    </div>
  );
}
