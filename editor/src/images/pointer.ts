// The last pointer position over the canvas (screen px): where Ctrl+V puts pasted images.
let last: { x: number; y: number } | null = null;

export function setPointer(point: { x: number; y: number }): void {
  last = point;
}

export function lastPointer(): { x: number; y: number } | null {
  return last;
}
