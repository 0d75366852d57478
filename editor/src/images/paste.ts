// Ctrl+V: image data on the clipboard becomes load nodes at the cursor; otherwise the copied nodes are pasted.
import { lastPointer } from './pointer';
import { imageFilesOf, placeImageFiles } from './image-files';
import { paste } from '../store/store';

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
}

/**
 * The document's paste handler. `toFlow` turns screen px into flow coordinates; with no pointer
 * over the canvas yet, `centre()` (the view's centre) is used.
 */
export function pasteHandler(toFlow: (p: { x: number; y: number }) => { x: number; y: number }, centre: () => { x: number; y: number }) {
  return (event: ClipboardEvent) => {
    if (typing(event.target) || document.querySelector('[role="dialog"][aria-modal="true"]')) return;
    const images = imageFilesOf(event.clipboardData);
    event.preventDefault();
    if (!images.length) return paste();
    const pointer = lastPointer();
    void placeImageFiles(images, pointer ? toFlow(pointer) : centre());
  };
}
