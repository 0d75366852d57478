// The selected image, large, with where it came from and its lineage (ancestors and direct edits).
import { CornerDownRight } from 'lucide-react';
import { artifactUrl } from '../../api/client';
import { ancestors } from '../lineage';
import type { GalleryEntry } from '../workspace-api';
import { GalleryActions } from './GalleryActions';
import { when } from './GalleryCard';
import type { GalleryItem } from './gallery-items';

export function GalleryDetails({ item, entries, onSelect }: { item: GalleryItem; entries: GalleryEntry[]; onSelect: (entry: GalleryEntry) => void }) {
  const { entry, output } = item;
  const chain = entry ? ancestors(entry, entries) : [];
  const edits = entry ? entries.filter((e) => e.parent === entry.artifact.artifact && e.id !== entry.id) : [];
  return (
    <div className="ws-gallery-details" aria-label="Image details">
      <img className="ws-gallery-large" src={artifactUrl(item.artifact)} alt={item.title} />
      <div className="ws-gallery-prompt">{item.title}</div>
      <div className="muted small">
        {output ? `${output.flowName} · output ${output.port} · run ${output.runId}` : `${entry?.provider ?? 'unknown'}${entry?.model ? ` · ${entry.model}` : ''}`} · {when(item.createdAt)}
        {item.artifact.width && ` · ${item.artifact.width}×${item.artifact.height}`}
      </div>
      {entry?.text && <p className="small">{entry.text}</p>}
      <GalleryActions item={item} />
      {entry && (
        <>
          <h3>Lineage</h3>
          <ol className="ws-lineage" data-lineage>
            {[...chain].reverse().map((a) => (
              <li key={a.id}>
                <button type="button" className="link" data-lineage-ancestor={a.id} onClick={() => onSelect(a)}>{a.prompt ?? a.fileName}</button>
              </li>
            ))}
            <li className="selected">
              <b>{item.title}</b>
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
        </>
      )}
    </div>
  );
}
