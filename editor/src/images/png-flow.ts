// Does a PNG carry a flow? PNGs that leave Atelier hold an iTXt chunk with the keyword `atelier.flow`.
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const KEYWORD = 'atelier.flow';
/** Chunks scanned before giving up: a flow chunk sits before the image data in practice. */
const MAX_CHUNKS = 10_000;

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

/** True when the PNG has an iTXt chunk whose keyword is `atelier.flow`. */
export function pngCarriesFlow(bytes: Uint8Array): boolean {
  if (!isPng(bytes)) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  for (let n = 0; n < MAX_CHUNKS && offset + 8 <= bytes.length; n++) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'iTXt') {
      const keyword = String.fromCharCode(...bytes.subarray(offset + 8, offset + 8 + Math.min(length, KEYWORD.length + 1)));
      if (keyword === `${KEYWORD}\0`) return true;
    }
    if (type === 'IEND') return false;
    offset += 12 + length;
  }
  return false;
}
