// A finished node's outputs: image thumbnails that open the viewer, files to download, short values as text.
import { Download } from 'lucide-react';
import { artifactUrl } from '../../api/client';
import { isArtifact, type Artifact } from '../../../../model/artifact';
import { openDialog } from '../../store/store';

function ArtifactView({ port, artifact, title }: { port: string; artifact: Artifact; title: string }) {
  if (!artifact.mediaType.startsWith('image/')) {
    return (
      <a className="out-file nodrag" data-output-port={port} href={artifactUrl(artifact)} target="_blank" rel="noreferrer">
        {port}: {artifact.mediaType} <Download size={11} aria-hidden />
      </a>
    );
  }
  return (
    <button
      type="button"
      className="thumb nodrag"
      data-output-port={port}
      aria-label={`Open ${port} image of ${title}`}
      onClick={() => openDialog({ kind: 'image', url: artifactUrl(artifact), title: `${title} · ${port}${artifact.width ? ` · ${artifact.width}×${artifact.height}` : ''}` })}
    >
      <img src={artifactUrl(artifact, true)} alt={`${port} output`} loading="lazy" decoding="async" draggable={false} />
    </button>
  );
}

function OutputValue({ port, value, title }: { port: string; value: unknown; title: string }) {
  if (isArtifact(value)) return <ArtifactView port={port} artifact={value} title={title} />;
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <div className="out-text" data-output-port={port} title={text.length > 300 ? text.slice(0, 300) + '…' : text}>
      <span className="muted">{port}:</span> {text.length > 120 ? text.slice(0, 120) + '…' : text}
    </div>
  );
}

export function NodeOutputs({ outputs, title }: { outputs: Record<string, unknown>; title: string }) {
  return (
    <div className="outputs">
      {Object.entries(outputs).map(([port, value]) => (
        <OutputValue key={port} port={port} value={value} title={title} />
      ))}
    </div>
  );
}
