// Global keyboard shortcuts. The same list feeds the help dialog.
import { exportFlow, saveFlow } from './store/files';
import { cancelRun, run } from './store/runs';
import { copySelection, duplicateSelection, openDialog, redo, selectAll, undo, useEditor } from './store/store';

export const SHORTCUTS: Array<[keys: string, action: string]> = [
  ['Ctrl+Enter', 'Run the flow'],
  ['Ctrl+Escape', 'Cancel the current run'],
  ['Escape', 'Close a dialog'],
  ['Ctrl+S', 'Save'],
  ['Ctrl+Shift+E', 'Export the flow as .json'],
  ['Ctrl+Z', 'Undo'],
  ['Ctrl+Shift+Z or Ctrl+Y', 'Redo'],
  ['Ctrl+C / Ctrl+V', 'Copy / paste the selected nodes; Ctrl+V with an image adds it at the cursor'],
  ['Drop image files on the canvas', 'One Load image node per file, where you drop them'],
  ['Ctrl+D', 'Duplicate the selected nodes'],
  ['Delete or Backspace', 'Delete the selected nodes and links'],
  ['Shift+click, Shift+drag', 'Select several nodes'],
  ['Ctrl+A', 'Select all'],
  ['Double-click the canvas, or Ctrl+K', 'Search and add a node'],
  ['Drop a link on empty canvas', 'Add a node that fits, already linked'],
  ['?', 'This help'],
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function handleShortcut(e: KeyboardEvent): void {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  // Any modal (the editor's own, or a workspace view such as Select object) keeps graph shortcuts off the canvas behind it.
  const dialogOpen = useEditor.getState().dialog !== null || document.querySelector('[role="dialog"][aria-modal="true"]') !== null;
  if (key === 'escape' && dialogOpen) {
    openDialog(null);
    e.preventDefault();
    return;
  }
  if (mod && key === 's') {
    e.preventDefault();
    void saveFlow();
    return;
  }
  if (mod && key === 'enter') {
    e.preventDefault();
    void run();
    return;
  }
  if (dialogOpen || typing(e.target)) return;
  if (mod && key === 'escape') return void cancelRun();
  if (mod && key === 'z' && !e.shiftKey) return (e.preventDefault(), undo());
  if (mod && ((key === 'z' && e.shiftKey) || key === 'y')) return (e.preventDefault(), redo());
  if (mod && key === 'a') return (e.preventDefault(), selectAll());
  if (mod && key === 'c') return void copySelection();
  // Ctrl+V is handled by the document's paste event (images/paste.ts): it also carries pasted images.
  if (mod && key === 'd') return (e.preventDefault(), duplicateSelection());
  if (mod && e.shiftKey && key === 'e') return (e.preventDefault(), exportFlow());
  if (mod && key === 'k') {
    e.preventDefault();
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const x = canvas ? canvas.left + canvas.width / 2 - 160 : 300;
    const y = canvas ? canvas.top + 80 : 100;
    openDialog({ kind: 'search', screen: { x, y }, flow: searchFlowPosition() });
    return;
  }
  if (e.key === '?') return openDialog({ kind: 'shortcuts' });
}

/** Where Ctrl+K adds a node: set by the canvas (the viewport centre in flow coordinates). */
export let searchFlowPosition = () => ({ x: 0, y: 0 });
export function setSearchFlowPosition(fn: () => { x: number; y: number }): void {
  searchFlowPosition = fn;
}
