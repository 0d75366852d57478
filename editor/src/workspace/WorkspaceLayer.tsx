// Mount point in the editor's layout: the open workspace dialog and the full-page gallery.
import { lazy, Suspense } from 'react';
import { GalleryPage } from './Gallery';
import { SegmentDialog } from './SegmentDialog';
import { CropDialog } from './CropDialog';
import { useWorkspace } from './workspace-store';

// three.js loads with the first 3D view, not with the editor.
const Viewer3D = lazy(() => import('./Viewer3D').then((m) => ({ default: m.Viewer3D })));

export function WorkspaceLayer() {
  const dialog = useWorkspace((s) => s.dialog);
  const galleryPage = useWorkspace((s) => s.galleryPage);
  return (
    <>
      {galleryPage && <GalleryPage />}
      {dialog?.kind === 'segment' && <SegmentDialog key={dialog.nodeId} nodeId={dialog.nodeId} />}
      {dialog?.kind === 'crop' && <CropDialog key={dialog.nodeId} nodeId={dialog.nodeId} />}
      {dialog?.kind === 'viewer' && (
        <Suspense fallback={<div className="workspace-loading">Loading the 3D viewer…</div>}>
          <Viewer3D key={`${dialog.nodeId}.${dialog.port}`} nodeId={dialog.nodeId} port={dialog.port} />
        </Suspense>
      )}
    </>
  );
}
