// The gallery: every generated or uploaded image, filterable, as a list or a lineage tree; the
// sidebar panel and the full-page view (`/?view=gallery`) share this component.
import { CornerDownRight, Download, FilePlus, Maximize2, Play, RefreshCw } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { artifactUrl } from '../api/client';
import { toast, useEditor } from '../store/store';
import { GALLERY_MIME, openEntryRun, openInNewFlow } from './gallery-actions';
import { ancestors, lineageRows, type LineageRow } from './lineage';
import { VirtualList } from './VirtualList';
import { fetchGallery, withToken, type GalleryEntry } from './workspace-api';
import { showGalleryPage } from './workspace-store';
import './workspace.css';

function when(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

function Actions({ entry }: { entry: GalleryEntry }) {
  return (
    <span className="ws-gallery-actions">
      <button type="button" className="icon" aria-label={`Open ${entry.fileName} in a new flow`} title="Open in a new flow" onClick={() => openInNewFlow(entry)}>
        <FilePlus size={14} aria-hidden />
      </button>
      <a className="icon" href={artifactUrl(entry.artifact)} download={entry.fileName} aria-label={`Download ${entry.fileName}`} title="Download">
        <Download size={14} aria-hidden />
      </a>
      {entry.runId && (
        <button type="button" className="icon" aria-label={`Open the run that made ${entry.fileName}`} title={`Open run ${entry.runId}`} onClick={() => openEntryRun(entry)}>
          <Play size={14} aria-hidden />
        </button>
      )}
    </span>
  );
}

function Row({ row, tree, selected, onSelect, large }: { row: LineageRow; tree: boolean; selected: boolean; onSelect: () => void; large: boolean }) {
  const e = row.entry;
  return (
    <div
      className={`ws-gallery-row${selected ? ' selected' : ''}`}
      data-gallery-id={e.id}
      data-hash={e.artifact.artifact}
      data-parent={e.parent ?? ''}
      data-depth={tree ? row.depth : 0}
      draggable
      onDragStart={(ev) => {
        ev.dataTransfer.setData(GALLERY_MIME, e.artifact.artifact);
        ev.dataTransfer.effectAllowed = 'copy';
      }}
      onClick={onSelect}
      style={{ paddingLeft: tree ? 6 + row.depth * 16 : 6 }}
      title="Drag onto the canvas to load this image"
    >
      {tree && row.depth > 0 && <CornerDownRight className="ws-lineage-mark" size={12} aria-hidden />}
      <img className="ws-gallery-thumb" src={withToken(e.thumbnailUrl)} alt={e.prompt ?? e.fileName} loading="lazy" decoding="async" draggable={false} style={large ? { width: 104, height: 104 } : undefined} />
      <div className="ws-gallery-info">
        <div className="ws-gallery-prompt" data-prompt>{e.prompt ?? <span className="muted">{e.fileName}</span>}</div>
        <div className="muted small">
          <span data-provider>{e.provider ?? 'unknown'}</span>
          {e.model && <> · <span data-model>{e.model}</span></>} · {when(e.createdAt)}
          {tree && row.children > 0 && ` · ${row.children} edit${row.children > 1 ? 's' : ''}`}
        </div>
        {e.text && <div className="small ws-gallery-text" data-text>{e.text}</div>}
      </div>
      <Actions entry={e} />
    </div>
  );
}

function Details({ entry, entries, onSelect }: { entry: GalleryEntry; entries: GalleryEntry[]; onSelect: (e: GalleryEntry) => void }) {
  const chain = ancestors(entry, entries);
  const edits = entries.filter((e) => e.parent === entry.artifact.artifact && e.id !== entry.id);
  return (
    <div className="ws-gallery-details" aria-label="Image details">
      <img className="ws-gallery-large" src={artifactUrl(entry.artifact)} alt={entry.prompt ?? entry.fileName} />
      <div className="ws-gallery-prompt">{entry.prompt ?? entry.fileName}</div>
      <div className="muted small">
        {entry.provider ?? 'unknown'}
        {entry.model && ` · ${entry.model}`} · {when(entry.createdAt)}
        {entry.artifact.width && ` · ${entry.artifact.width}×${entry.artifact.height}`}
      </div>
      {entry.text && <p className="small">{entry.text}</p>}
      <Actions entry={entry} />
      <h3>Lineage</h3>
      <ol className="ws-lineage" data-lineage>
        {[...chain].reverse().map((a) => (
          <li key={a.id}>
            <button type="button" className="link" data-lineage-ancestor={a.id} onClick={() => onSelect(a)}>{a.prompt ?? a.fileName}</button>
          </li>
        ))}
        <li className="selected">
          <b>{entry.prompt ?? entry.fileName}</b>
          {edits.length > 0 && (
            <ul>
              {edits.map((c) => (
                <li key={c.id}>
                  <button type="button" className="link" data-lineage-child={c.id} onClick={() => onSelect(c)}><CornerDownRight size={12} aria-hidden /> {c.prompt ?? c.fileName}</button>
                </li>
              ))}
            </ul>
          )}
        </li>
      </ol>
    </div>
  );
}

export function Gallery({ variant }: { variant: 'panel' | 'page' }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [provider, setProvider] = useState('');
  const [tree, setTree] = useState(true);
  const [entries, setEntries] = useState<GalleryEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState<GalleryEntry | null>(null);
  const providers = useRef(new Set<string>());
  const runStatus = useEditor((s) => s.run?.status);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  // Reload on filter changes and whenever a run finishes (it may have added images).
  const runEnded = runStatus === 'succeeded' || runStatus === 'failed';
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    fetchGallery({ provider: provider || undefined, search: query || undefined })
      .then((page) => {
        if (cancelled) return;
        for (const e of page.entries) if (e.provider) providers.current.add(e.provider);
        setEntries(page.entries);
        setTotal(page.total);
      })
      .catch((error: Error) => !cancelled && toast(`Could not load the gallery: ${error.message}`, 'error'))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [provider, query, runEnded, version]);

  const rows = useMemo<LineageRow[]>(() => (tree ? lineageRows(entries) : entries.map((entry) => ({ entry, depth: 0, children: 0 }))), [entries, tree]);
  const large = variant === 'page';

  return (
    <div className={`ws-gallery ws-gallery-${variant}`} data-gallery-variant={variant} data-gallery-loading={loading ? 'true' : 'false'}>
      <div className="ws-gallery-filters">
        <input type="search" aria-label="Search prompts" placeholder="Search prompts…" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Filter by provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
          <option value="">All providers</option>
          {[...providers.current].sort().map((p) => (
            <option key={p} value={p}>{p}</option>
          ))}
        </select>
        <label className="check small" title="Show edits under the image they were made from">
          <input type="checkbox" checked={tree} onChange={(e) => setTree(e.target.checked)} /> Lineage
        </label>
        <button type="button" className="icon" aria-label="Reload the gallery" title="Reload" onClick={() => setVersion((v) => v + 1)}><RefreshCw size={14} aria-hidden /></button>
        {variant === 'panel' ? (
          <button type="button" className="icon" aria-label="Open the full-page gallery" title="Full page" onClick={() => showGalleryPage(true)}><Maximize2 size={14} aria-hidden /></button>
        ) : (
          <button type="button" aria-label="Back to the editor" onClick={() => showGalleryPage(false)}>Back to the editor</button>
        )}
      </div>
      <div className="muted small" data-gallery-total={total}>
        {total} image{total === 1 ? '' : 's'}
        {loading && ' · loading…'}
      </div>
      <div className="ws-gallery-body">
        {entries.length === 0 && !loading ? (
          <p className="muted small">No images yet. Generated and uploaded images appear here.</p>
        ) : (
          <VirtualList
            label="Gallery images"
            items={rows}
            rowHeight={large ? 116 : 76}
            itemKey={(r) => r.entry.id}
            render={(r) => <Row row={r} tree={tree} large={large} selected={selected?.id === r.entry.id} onSelect={() => setSelected(r.entry)} />}
          />
        )}
        {variant === 'page' && selected && <Details entry={selected} entries={entries} onSelect={setSelected} />}
      </div>
      {variant === 'panel' && selected && (
        <div className="ws-gallery-lineage-panel small">
          <Details entry={selected} entries={entries} onSelect={setSelected} />
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
