// Mount point in the editor's layout: the open workspace dialog and the full-page gallery.
import { GalleryPage } from './Gallery';
import { SegmentDialog } from './SegmentDialog';
import { Viewer3D } from './Viewer3D';
import { useWorkspace } from './workspace-store';

export function WorkspaceLayer() {
  const dialog = useWorkspace((s) => s.dialog);
  const galleryPage = useWorkspace((s) => s.galleryPage);
  return (
    <>
      {galleryPage && <GalleryPage />}
      {dialog?.kind === 'segment' && <SegmentDialog key={dialog.nodeId} nodeId={dialog.nodeId} />}
      {dialog?.kind === 'viewer' && <Viewer3D key={`${dialog.nodeId}.${dialog.port}`} nodeId={dialog.nodeId} port={dialog.port} />}
    </>
  );
}
