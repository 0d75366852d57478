// A grid of images to pick from: recent uploads and gallery images, and the shipped samples.
import { useEffect, useState } from 'react';
import { withToken } from '../api/client';
import type { GalleryEntry } from '../workspace/workspace-api';
import { recentImages, shippedAssets, type AssetEntry } from './image-sources';

export type Picked = { artifact: string } | { asset: string };

export function ImagePicker({ onPick, allowAssets }: { onPick: (picked: Picked) => void; allowAssets: boolean }) {
  const [recent, setRecent] = useState<GalleryEntry[] | 'loading' | Error>('loading');
  const [assets, setAssets] = useState<AssetEntry[] | null | 'loading' | Error>(allowAssets ? 'loading' : null);
  useEffect(() => {
    let live = true;
    recentImages().then((r) => live && setRecent(r), (e: Error) => live && setRecent(e));
    if (allowAssets) shippedAssets().then((a) => live && setAssets(a), (e: Error) => live && setAssets(e));
    return () => {
      live = false;
    };
  }, [allowAssets]);

  return (
    <div className="image-picker" aria-label="Pick an image">
      {allowAssets && (
        <section>
          <h4>Samples</h4>
          {assets === 'loading' && <div className="muted small">Loading…</div>}
          {assets instanceof Error && <div className="field-error-text">Could not list samples: {assets.message}</div>}
          {assets === null && <div className="muted small">This server does not list its sample images (GET /api/assets).</div>}
          {Array.isArray(assets) && (
            <div className="image-grid">
              {assets.map((a) => (
                <button key={a.name} type="button" className="image-choice" data-asset={a.name} title={a.name} onClick={() => onPick({ asset: a.name })}>
                  {a.url ? <img src={a.url} alt={a.name} loading="lazy" /> : <span className="image-choice-name">{a.name}</span>}
                </button>
              ))}
            </div>
          )}
        </section>
      )}
      <section>
        <h4>Recent uploads and gallery</h4>
        {recent === 'loading' && <div className="muted small">Loading…</div>}
        {recent instanceof Error && <div className="field-error-text">Could not load the gallery: {recent.message}</div>}
        {Array.isArray(recent) && recent.length === 0 && <div className="muted small">No images yet: upload one above.</div>}
        {Array.isArray(recent) && (
          <div className="image-grid">
            {recent.map((e) => (
              <button key={e.id} type="button" className="image-choice" data-hash={e.artifact.artifact} title={e.prompt ?? e.fileName} onClick={() => onPick({ artifact: e.artifact.artifact })}>
                <img src={withToken(e.thumbnailUrl)} alt={e.prompt ?? e.fileName} loading="lazy" />
              </button>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
