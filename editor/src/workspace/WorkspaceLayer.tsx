// Mount point in the editor's layout: the open workspace dialog and the full-page gallery.
import { lazy, Suspense } from 'react';
import { useWorkspace } from './workspace-store';

// three.js loads with the first 3D view, not with the editor; the other workspaces with their first opening.
const Viewer3D = lazy(() => import('./Viewer3D').then((m) => ({ default: m.Viewer3D })));
const GalleryPage = lazy(() => import('./Gallery').then((m) => ({ default: m.GalleryPage })));
const SegmentDialog = lazy(() => import('./SegmentDialog').then((m) => ({ default: m.SegmentDialog })));
const CropDialog = lazy(() => import('./CropDialog').then((m) => ({ default: m.CropDialog })));

export function WorkspaceLayer() {
  const dialog = useWorkspace((s) => s.dialog);
  const galleryPage = useWorkspace((s) => s.galleryPage);
  return (
    <>
      <Suspense fallback={null}>
        {galleryPage && <GalleryPage />}
        {dialog?.kind === 'segment' && <SegmentDialog key={dialog.nodeId} nodeId={dialog.nodeId} />}
        {dialog?.kind === 'crop' && <CropDialog key={dialog.nodeId} nodeId={dialog.nodeId} />}
      </Suspense>
      {dialog?.kind === 'viewer' && (
        <Suspense fallback={<div className="workspace-loading">Loading the 3D viewer…</div>}>
          <Viewer3D key={`${dialog.nodeId}.${dialog.port}`} nodeId={dialog.nodeId} port={dialog.port} />
        </Suspense>
      )}
    </>
  );
}
