// One gallery image as a card: thumbnail (≥ 160 px), title, where it came from, actions.
import { CornerDownRight } from 'lucide-react';
import { memo } from 'react';
import { withToken } from '../../api/client';
import { GALLERY_MIME } from '../gallery-actions';
import { GalleryActions } from './GalleryActions';
import type { GalleryItem } from './gallery-items';

export function when(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

export const GalleryCard = memo(function GalleryCard({ item, selected, onSelect }: { item: GalleryItem; selected: boolean; onSelect: (item: GalleryItem) => void }) {
  const { entry, output } = item;
  return (
    <div
      className={`ws-gallery-card${selected ? ' selected' : ''}`}
      data-gallery-id={entry?.id ?? item.key}
      data-hash={item.artifact.artifact}
      data-parent={entry?.parent ?? ''}
      data-depth={item.depth}
      data-kind={output ? 'output' : 'generated'}
      draggable
      onDragStart={(ev) => {
        ev.dataTransfer.setData(GALLERY_MIME, item.artifact.artifact);
        ev.dataTransfer.effectAllowed = 'copy';
      }}
      onClick={() => onSelect(item)}
      title="Drag onto the canvas to load this image"
    >
      <div className="ws-gallery-thumb-box">
        <img className="ws-gallery-thumb" src={withToken(item.thumbnailUrl)} alt={item.title} loading="lazy" decoding="async" draggable={false} />
        {item.depth > 0 && (
          <span className="ws-lineage-badge" title={`An edit, ${item.depth} step${item.depth > 1 ? 's' : ''} from its original`}>
            <CornerDownRight className="ws-lineage-mark" size={12} aria-hidden /> {item.depth}
          </span>
        )}
      </div>
      <div className="ws-gallery-info">
        <div className="ws-gallery-prompt" data-prompt>{entry?.prompt ?? <span className="muted">{item.title}</span>}</div>
        <div className="muted small ws-gallery-meta">
          {output ? (
            <>
              <span data-flow-name>{output.flowName}</span> · run <span data-run-id>{output.runId.slice(0, 8)}</span>
            </>
          ) : (
            <>
              <span data-provider>{entry?.provider ?? 'unknown'}</span>
              {entry?.model && <> · <span data-model>{entry.model}</span></>}
              {item.children > 0 && ` · ${item.children} edit${item.children > 1 ? 's' : ''}`}
            </>
          )}
        </div>
        <div className="muted small">{when(item.createdAt)}</div>
      </div>
      <GalleryActions item={item} />
    </div>
  );
});
