// Media types come from the bytes, never from a header or a file name.
export function sniffMediaType(bytes: Uint8Array): string | undefined {
  const b = bytes;
  const ascii = (start: number, text: string) =>
    b.length >= start + text.length && [...text].every((c, i) => b[start + i] === c.charCodeAt(0));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'ply\n') || ascii(0, 'ply\r\n')) return 'application/x-ply';
  if (ascii(0, 'glTF')) return 'model/gltf-binary';
  return undefined;
}

export function isImageMediaType(mediaType: string): boolean {
  return mediaType.startsWith('image/');
}

export function extensionFor(mediaType: string): string {
  const known: Record<string, string> = {
    'image/png': 'png',
    'image/jpeg': 'jpg',
    'image/webp': 'webp',
    'image/gif': 'gif',
    'application/x-ply': 'ply',
    'model/gltf-binary': 'glb',
    'application/json': 'json',
  };
  return known[mediaType] ?? 'bin';
}
