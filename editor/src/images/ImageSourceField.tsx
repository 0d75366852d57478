// The inspector widget for a node's image source (params with widget `image-upload` and
// `image-asset`): the current image, Upload, a drop zone and a picker.
import { ImagePlus, Images, Upload } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import { artifactUrl } from '../api/client';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { IDLE } from '../store/run-state';
import { toast, updateParams, useEditor } from '../store/store';
import type { ImageSourceCapability } from '../workspace/capabilities';
import { ImagePicker, type Picked } from './ImagePicker';
import { artifactThumbnail, assetUrl, shippedAssets } from './image-sources';
import { imageFilesOf, isImageFile, uploadFile } from './image-files';

const NO_PARAMS: Record<string, unknown> = {};

interface Props {
  nodeId: string;
  source: ImageSourceCapability;
  error?: string;
}

function CurrentImage({ nodeId, source }: { nodeId: string; source: ImageSourceCapability }) {
  const params = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data.params ?? NO_PARAMS);
  const output = useEditor((s) => Object.values((s.run?.nodes[nodeId] ?? IDLE).outputs ?? {}).find(isArtifact));
  const hash = typeof params[source.uploadParam] === 'string' ? (params[source.uploadParam] as string) : undefined;
  const asset = source.assetParam && typeof params[source.assetParam] === 'string' ? (params[source.assetParam] as string) : undefined;
  if (hash) return <img className="current-image" data-current-image={hash} src={artifactThumbnail(hash)} alt="Current image" />;
  if (asset) return <AssetImage asset={asset} output={output} />;
  return <div className="current-image empty">No image yet</div>;
}

/** A shipped sample as the server serves it (GET /api/assets/:name), else the last run's output of it. */
function AssetImage({ asset, output }: { asset: string; output?: Artifact }) {
  const [failed, setFailed] = useState<string | null>(null);
  const src = failed !== asset ? assetUrl(asset) : output ? artifactUrl(output, true) : undefined;
  if (!src) return <div className="current-image empty" data-current-asset={asset}>Sample “{asset}” (shown after a run)</div>;
  return (
    <figure className="current-image-box">
      <img className="current-image" data-current-asset={asset} src={src} alt={`Sample ${asset}`} onError={() => setFailed(asset)} />
      <figcaption className="muted small">sample {asset}</figcaption>
    </figure>
  );
}

/** The sample's file name, typed (with the listed samples as suggestions); typing one replaces an upload. */
function AssetNameField({ nodeId, source, assetParam }: { nodeId: string; source: ImageSourceCapability; assetParam: string }) {
  const value = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data.params[assetParam]);
  const listId = useId();
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    shippedAssets().then((list) => live && setNames(list?.map((a) => a.name) ?? []), () => {});
    return () => {
      live = false;
    };
  }, []);
  return (
    <div className="field" data-field={assetParam}>
      <label htmlFor={`${listId}-input`}>Sample file (flows/assets/)</label>
      <input
        id={`${listId}-input`}
        type="text"
        list={listId}
        value={typeof value === 'string' ? value : ''}
        placeholder="e.g. a file name in flows/assets/"
        onChange={(e) => updateParams(nodeId, { [assetParam]: e.target.value || undefined, ...(e.target.value && { [source.uploadParam]: undefined }) }, `param:${nodeId}.${assetParam}`)}
      />
      <datalist id={listId}>
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </div>
  );
}

export function ImageSourceField({ nodeId, source, error }: Props) {
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);
  const [over, setOver] = useState(false);

  const choose = (picked: Picked) => {
    const patch: Record<string, unknown> = { [source.uploadParam]: undefined };
    if (source.assetParam) patch[source.assetParam] = undefined;
    if ('artifact' in picked) patch[source.uploadParam] = picked.artifact;
    else if (source.assetParam) patch[source.assetParam] = picked.asset;
    updateParams(nodeId, patch);
    setPicking(false);
  };

  const upload = async (files: File[]) => {
    const image = files.find(isImageFile);
    if (!image) return toast('Choose an image file (PNG, JPEG, WebP or GIF)', 'error');
    setBusy(true);
    try {
      choose({ artifact: await uploadFile(image) });
    } catch (e) {
      toast(`Upload failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={`field image-source${error ? ' field-error' : ''}`} data-field={source.uploadParam} data-widget="image-upload">
      <label>Image</label>
      <div
        className={`image-drop-zone${over ? ' over' : ''}`}
        data-drop-zone
        onDragOver={(e) => {
          if (![...e.dataTransfer.types].includes('Files')) return;
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          e.stopPropagation();
          setOver(false);
          void upload(imageFilesOf(e.dataTransfer));
        }}
      >
        <CurrentImage nodeId={nodeId} source={source} />
        <div className="muted small">{busy ? 'Uploading…' : 'Drop an image here, or'}</div>
        <div className="row image-source-actions">
          <button type="button" onClick={() => file.current?.click()} disabled={busy}>
            <Upload size={14} aria-hidden /> Upload…
          </button>
          <button type="button" onClick={() => setPicking((p) => !p)} aria-expanded={picking}>
            <Images size={14} aria-hidden /> Choose…
          </button>
        </div>
        <input
          ref={file}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          hidden
          aria-label="Upload an image"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void upload(files);
          }}
        />
      </div>
      {source.assetParam && <AssetNameField nodeId={nodeId} source={source} assetParam={source.assetParam} />}
      {picking && <ImagePicker allowAssets={!!source.assetParam} onPick={choose} />}
      {error && (
        <div className="field-error-text" role="alert">
          <ImagePlus size={12} aria-hidden /> {error}
        </div>
      )}
    </div>
  );
}
