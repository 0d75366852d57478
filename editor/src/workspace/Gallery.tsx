// The gallery: generated and uploaded images (with lineage) or every flow's image outputs, in a
// responsive grid; the sidebar panel and the full-page view (`/?view=gallery`) share it.
import { Maximize2, RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { GalleryDetails } from './gallery/GalleryDetails';
import { GalleryGrid } from './gallery/GalleryGrid';
import { itemsFromEntries, type GalleryItem, type GalleryShow } from './gallery/gallery-items';
import { useGallery } from './gallery/use-gallery';
import type { GalleryEntry } from './workspace-api';
import { showGalleryPage } from './workspace-store';
import './workspace.css';

export function Gallery({ variant }: { variant: 'panel' | 'page' }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [provider, setProvider] = useState('');
  const [show, setShow] = useState<GalleryShow>('generated');
  const [tree, setTree] = useState(true);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<GalleryItem | null>(null);
  const { items, entries, loading, providers } = useGallery({ show, provider, query, tree, version });

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const selectEntry = useCallback((entry: GalleryEntry) => setSelected(itemsFromEntries([entry], false)[0]), []);
  const filtered = !!(query || provider);
  const searching = loading || search.trim() !== query;
  const state = searching ? 'loading' : items.length ? 'ready' : filtered ? 'no-match' : 'empty';

  return (
    <div className={`ws-gallery ws-gallery-${variant}`} data-gallery-variant={variant} data-gallery-loading={searching ? 'true' : 'false'} data-gallery-state={state}>
      <div className="ws-gallery-filters">
        <input type="search" aria-label="Search prompts" placeholder="Search prompts, flows…" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Show" value={show} onChange={(e) => setShow(e.target.value as GalleryShow)} title="Generated and uploaded images, or also every flow's image outputs">
          <option value="generated">Generated</option>
          <option value="outputs">All outputs</option>
        </select>
        <select aria-label="Filter by provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
          <option value="">All providers</option>
          {providers.map((p) => (
            <option key={p} value={p}>{p}</option>
          ))}
        </select>
        <label className="check small" title="Order edits after the image they were made from">
          <input type="checkbox" checked={tree} onChange={(e) => setTree(e.target.checked)} /> Lineage
        </label>
        <button type="button" className="icon" aria-label="Reload the gallery" title="Reload" onClick={() => setVersion((v) => v + 1)}><RefreshCw size={14} aria-hidden /></button>
        {variant === 'panel' ? (
          <button type="button" className="icon" aria-label="Open the full-page gallery" title="Full page" onClick={() => showGalleryPage(true)}><Maximize2 size={14} aria-hidden /></button>
        ) : (
          <button type="button" aria-label="Back to the editor" onClick={() => showGalleryPage(false)}>Back to the editor</button>
        )}
      </div>
      <div className="muted small" data-gallery-total={items.length} role="status">
        {searching ? <span className="ws-gallery-loading">Searching…</span> : `${items.length} image${items.length === 1 ? '' : 's'}`}
      </div>
      <div className="ws-gallery-body">
        {state === 'empty' && <p className="muted small" data-gallery-empty>No images yet. Generated and uploaded images appear here{show === 'generated' ? '; choose “All outputs” to see every flow’s image outputs' : ''}.</p>}
        {state === 'no-match' && (
          <p className="muted small" data-gallery-no-match>
            No images match {query ? `“${query}”` : 'these filters'}{provider && ` from ${provider}`}.{' '}
            <button type="button" className="link" onClick={() => (setSearch(''), setProvider(''))}>Clear the filters</button>
          </p>
        )}
        {items.length > 0 && <GalleryGrid items={items} selected={selected?.key} onSelect={setSelected} />}
        {variant === 'page' && selected && <GalleryDetails item={selected} entries={entries} onSelect={selectEntry} />}
      </div>
      {variant === 'panel' && selected && (
        <div className="ws-gallery-lineage-panel small">
          <GalleryDetails item={selected} entries={entries} onSelect={selectEntry} />
        </div>
      )}
    </div>
  );
}

export function GalleryPage() {
  return (
    <div className="ws-gallery-page" role="region" aria-label="Gallery">
      <h1>Gallery</h1>
      <Gallery variant="page" />
    </div>
  );
}
