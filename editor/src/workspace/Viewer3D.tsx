// The 3D viewer dialog for a model3d output: orbit view, overlay on the source image with gizmos and
// Reset alignment, .ply download and a screenshot saved to the gallery (lineage: the source image).
import { X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { isArtifact, type Artifact } from '../../../model/artifact';
import { readPly, type Gaussians } from '../../../model/ply';
import { artifactUrl, requestBytes } from '../api/client';
import { toast, useEditor } from '../store/store';
import { placementAmong } from './capabilities';
import { upstreamOf } from './graph-lookup';
import { ModelView, type GizmoMode, type RenderPath, type ViewMode } from './model-view';
import type { ScreenBox } from './overlay-math';
import { openWorkspace } from './workspace-store';
import { uploadImage } from './workspace-api';
import './workspace.css';

/**
 * TEST HOOK (documented, also in production builds): the open viewer's state for the browser suite,
 * so tests read the projection from the page instead of judging pixels by eye. Boxes are viewport CSS px.
 */
export interface AtelierViewerHook {
  path: RenderPath;
  mode: ViewMode;
  ready: boolean;
  /** The model's Gaussian centres projected through the current camera and object transform. */
  objectScreenBox(): ScreenBox | null;
  /** The 2D object's bbox (lgm.3d placement.bbox) where the image is drawn; null outside overlay. */
  imageObjectScreenBox(): ScreenBox | null;
  isAligned(): boolean;
}

declare global {
  interface Window {
    __atelierViewer?: AtelierViewerHook;
  }
}

const wantsPoints = () => new URLSearchParams(location.search).get('viewer') === 'points';

/** The image that fed the node's first image input, from the run on screen. */
function sourceImage(nodeId: string): Artifact | undefined {
  const s = useEditor.getState();
  const spec = s.catalog?.byType.get(s.nodes.find((n) => n.id === nodeId)?.data.atype ?? '');
  for (const [port, p] of Object.entries(spec?.inputs ?? {})) {
    if (p.type !== 'image') continue;
    const up = upstreamOf(nodeId, port);
    const value = up && s.run?.nodes[up.source]?.outputs?.[up.port];
    if (isArtifact(value)) return value;
  }
  return undefined;
}

export function Viewer3D({ nodeId, port }: { nodeId: string; port: string }) {
  const outputs = useEditor((s) => s.run?.nodes[nodeId]?.outputs);
  const label = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data.label) || nodeId;
  const model = outputs?.[port];
  const placement = placementAmong(outputs);
  const container = useRef<HTMLDivElement>(null);
  const view = useRef<ModelView | null>(null);
  const [gaussians, setGaussians] = useState<{ g: Gaussians; bytes: Uint8Array } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<ViewMode>('orbit');
  const [gizmo, setGizmo] = useState<GizmoMode>('translate');
  const [ready, setReady] = useState(false);
  const [aligned, setAligned] = useState(true);
  const [saving, setSaving] = useState(false);
  const [path, setPath] = useState<RenderPath | null>(null);
  const image = sourceImage(nodeId);

  const modelHash = model && isArtifact(model) ? model.artifact : '';
  useEffect(() => {
    if (!isArtifact(model)) return;
    let cancelled = false;
    requestBytes(model.url || `/api/artifacts/${model.artifact}`)
      .then((bytes) => {
        if (!cancelled) setGaussians({ g: readPly(bytes), bytes });
      })
      .catch((e: Error) => !cancelled && setError(`Could not load the model: ${e.message}`));
    return () => {
      cancelled = true;
    };
    // The model handle changes identity on every event; only its hash decides a reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelHash]);

  useEffect(() => {
    if (!gaussians || !container.current) return;
    const v = new ModelView({
      container: container.current,
      ply: gaussians.bytes,
      gaussians: gaussians.g,
      image: image?.width && image.height ? { url: artifactUrl(image), width: image.width, height: image.height } : undefined,
      placement,
      forcePoints: wantsPoints(),
      onChange: () => setAligned(v.isAligned()),
    });
    view.current = v;
    setPath(v.path);
    let readyFlag = false;
    v.ready.then(() => setReady(true), (e: Error) => setError(`The splat renderer failed: ${e.message}`));
    window.__atelierViewer = {
      path: v.path,
      get mode() {
        return v.mode;
      },
      get ready() {
        return readyFlag;
      },
      objectScreenBox: () => v.objectScreenBox(),
      imageObjectScreenBox: () => v.imageObjectScreenBox(),
      isAligned: () => v.isAligned(),
    };
    v.ready.then(
      () => (readyFlag = true),
      () => {}, // reported by the handler above
    );
    if (v.canOverlay && new URLSearchParams(location.search).get('overlay') === '1') switchMode('overlay');
    return () => {
      v.dispose();
      view.current = null;
      delete window.__atelierViewer;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [gaussians]);

  const switchMode = (next: ViewMode) => {
    view.current?.setMode(next);
    setMode(next);
    setAligned(view.current?.isAligned() ?? true);
  };
  const chooseGizmo = (next: GizmoMode) => {
    view.current?.setGizmo(next);
    setGizmo(next);
  };

  const screenshot = async () => {
    if (!view.current) return;
    setSaving(true);
    try {
      const blob = await view.current.screenshot();
      const saved = await uploadImage(blob, { parent: image?.artifact, prompt: `3D view of ${label} (${mode})` });
      toast(`Screenshot saved to the gallery (${saved.artifact.slice(0, 8)})`);
    } catch (e) {
      toast(`Screenshot failed: ${(e as Error).message}`, 'error');
    } finally {
      setSaving(false);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        openWorkspace(null);
      } else if (mode === 'overlay' && !(e.target instanceof HTMLInputElement)) {
        const key = e.key.toLowerCase();
        if (key === 'w') chooseGizmo('translate');
        else if (key === 'e') chooseGizmo('rotate');
        else if (key === 'r') chooseGizmo('scale');
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  const canOverlay = !!placement && !!image;
  return (
    <div className="ws-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openWorkspace(null)}>
      <div className="ws-modal ws-viewer" role="dialog" aria-modal="true" aria-label="3D viewer">
        <header>
          <h2>3D · {label} · {port}</h2>
          <div className="ws-toolbar" role="toolbar" aria-label="3D view">
            <span className="ws-segmented" role="radiogroup" aria-label="View mode">
              <button type="button" role="radio" aria-checked={mode === 'orbit'} className={mode === 'orbit' ? 'active' : ''} onClick={() => switchMode('orbit')}>Orbit</button>
              <button
                type="button"
                role="radio"
                aria-checked={mode === 'overlay'}
                className={mode === 'overlay' ? 'active' : ''}
                disabled={!canOverlay || !gaussians}
                title={canOverlay ? 'Lay the model over its source image' : 'Needs the source image and a placement output from the same run'}
                onClick={() => switchMode('overlay')}
              >
                Overlay
              </button>
            </span>
            {mode === 'overlay' && (
              <>
                <span className="ws-segmented" role="radiogroup" aria-label="Gizmo">
                  {(['translate', 'rotate', 'scale'] as const).map((g, i) => (
                    <button key={g} type="button" role="radio" aria-checked={gizmo === g} className={gizmo === g ? 'active' : ''} disabled={path === 'points'} title={`${g} (${'WER'[i]})`} onClick={() => chooseGizmo(g)}>
                      {g === 'translate' ? 'Move' : g === 'rotate' ? 'Rotate' : 'Scale'}
                    </button>
                  ))}
                </span>
                <button type="button" onClick={() => view.current?.resetAlignment()} disabled={aligned} data-aligned={aligned ? 'true' : 'false'}>
                  Reset alignment
                </button>
              </>
            )}
            {isArtifact(model) && (
              <a className="button-like" href={artifactUrl(model)} download={`${nodeId}-${port}.ply`}>
                Download .ply
              </a>
            )}
            <button type="button" onClick={() => void screenshot()} disabled={!ready || saving}>
              {saving ? 'Saving…' : 'Screenshot to gallery'}
            </button>
          </div>
          <button type="button" className="icon" aria-label="Close" onClick={() => openWorkspace(null)}><X size={16} aria-hidden /></button>
        </header>
        {path === 'points' && (
          <div className="warn small" role="status" data-fallback="points">
            Point-cloud fallback: {wantsPoints() ? 'requested with ?viewer=points' : 'this browser has no WebGL2'}, so Gaussian centres are drawn as dots.
          </div>
        )}
        {error && <div className="anode-error" role="alert">{error}</div>}
        {!isArtifact(model) && <div className="muted">No model on this output yet: run the flow.</div>}
        <div className="ws-3d" ref={container} data-viewer-mode={mode} data-viewer-ready={ready ? 'true' : 'false'} />
        <div className="muted small">
          {mode === 'orbit'
            ? 'Drag: orbit · right-drag: pan · wheel: zoom'
            : `Drag the object to move it · ${path === 'points' ? 'gizmos need WebGL2' : 'gizmo: W move, E rotate, R scale'} · Reset alignment puts it back over the photo`}
          {gaussians && ` · ${gaussians.g.count.toLocaleString()} Gaussians`}
        </div>
      </div>
    </div>
  );
}
