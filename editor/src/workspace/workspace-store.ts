// UI state of the image/3D workspace: which workspace dialog is open, and the full-page gallery.
import { create } from 'zustand';

export type WorkspaceDialog =
  | { kind: 'segment'; nodeId: string }
  | { kind: 'crop'; nodeId: string }
  | { kind: 'viewer'; nodeId: string; port: string };

interface WorkspaceState {
  dialog: WorkspaceDialog | null;
  galleryPage: boolean;
}

export const useWorkspace = create<WorkspaceState>()(() => ({
  dialog: null,
  galleryPage: new URLSearchParams(location.search).get('view') === 'gallery',
}));

export function openWorkspace(dialog: WorkspaceDialog | null): void {
  useWorkspace.setState({ dialog });
}

export function showGalleryPage(open: boolean): void {
  useWorkspace.setState({ galleryPage: open });
  const url = new URL(location.href);
  if (open) url.searchParams.set('view', 'gallery');
  else url.searchParams.delete('view');
  history.replaceState(null, '', url);
}
