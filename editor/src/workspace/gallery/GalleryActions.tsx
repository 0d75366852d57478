// A gallery image's actions: open in a new flow, download, open the run that made it.
import { Download, FilePlus, Play } from 'lucide-react';
import { artifactUrl } from '../../api/client';
import { openInNewFlow, openRunOf } from '../gallery-actions';
import type { GalleryItem } from './gallery-items';

export function GalleryActions({ item }: { item: GalleryItem }) {
  const name = item.entry?.fileName ?? `${item.title}.png`;
  return (
    <span className="ws-gallery-actions" onClick={(e) => e.stopPropagation()}>
      <button type="button" className="icon" aria-label={`Open ${name} in a new flow`} title="Open in a new flow" onClick={() => openInNewFlow(item.artifact.artifact, item.entry?.prompt ?? item.title)}>
        <FilePlus size={14} aria-hidden />
      </button>
      <a className="icon" href={artifactUrl(item.artifact)} download={name} aria-label={`Download ${name}`} title="Download">
        <Download size={14} aria-hidden />
      </a>
      {item.runId && (
        <button type="button" className="icon" aria-label={`Open the run that made ${name}`} title={`Open run ${item.runId}`} onClick={() => openRunOf(item.runId!)}>
          <Play size={14} aria-hidden />
        </button>
      )}
    </span>
  );
}
