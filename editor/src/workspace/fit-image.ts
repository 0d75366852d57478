// Fitting an image into a box: without three.js, so the 2D dialogs (crop, segment) do not pull it
// into the editor's first bundle (it loads with the 3D viewer).

/** Largest size with the image's aspect that fits the container. */
export function fitImage(imageWidth: number, imageHeight: number, maxWidth: number, maxHeight: number): { width: number; height: number; scale: number } {
  const scale = Math.min(maxWidth / imageWidth, maxHeight / imageHeight);
  return { width: Math.round(imageWidth * scale), height: Math.round(imageHeight * scale), scale };
}
