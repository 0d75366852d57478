// An independent PNG text-chunk reader for tests (not model/png-meta.ts): walks chunks with Buffer
// reads, checks every CRC with zlib.crc32 and decodes iTXt fields per the PNG spec.
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

export function readITXt(png: Buffer, keyword: string): unknown {
  let offset = 8;
  let found: unknown;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== png.readUInt32BE(offset + 8 + length)) throw new Error(`bad CRC in ${type}`);
    if (type === 'iTXt') {
      const nul = data.indexOf(0);
      if (data.toString('latin1', 0, nul) === keyword) {
        if (data[nul + 1] !== 0) throw new Error('compressed');
        const lang = data.indexOf(0, nul + 3);
        const translated = data.indexOf(0, lang + 1);
        found = JSON.parse(data.toString('utf8', translated + 1));
      }
    }
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return found;
}

/** Decoded RGBA pixels (pngjs checks every CRC too): equal pixels prove the image is untouched. */
export function pixels(png: Buffer): Buffer {
  return PNG.sync.read(png).data;
}
