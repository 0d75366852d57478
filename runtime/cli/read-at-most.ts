// Files the CLI is pointed at (`--input x=@file`, `--sweep x=@file`, a flow or a PNG) are read up to
// their limit and no further: checked after a whole read, `@/dev/zero` grew the process without end
// (~6 GB a minute), and a 10 GiB file was read whole to be refused. Pipes stay readable (`atelier run <(…)`).
import { closeSync, openSync, readSync } from 'node:fs';

const PIECE_BYTES = 1 << 20;

export class FileTooLarge extends Error {
  constructor(
    readonly path: string,
    readonly maxBytes: number,
  ) {
    super(`${path} is larger than ${maxBytes / 2 ** 20} MiB`);
    this.name = 'FileTooLarge';
  }
}

/** The file's bytes; throws FileTooLarge as soon as more than `maxBytes` have been read. */
export function readAtMost(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const pieces: Buffer[] = [];
    let total = 0;
    for (;;) {
      const piece = Buffer.allocUnsafe(Math.min(PIECE_BYTES, maxBytes + 1 - total));
      const read = readSync(fd, piece, 0, piece.length, null);
      if (read === 0) return Buffer.concat(pieces, total);
      pieces.push(read === piece.length ? piece : piece.subarray(0, read));
      total += read;
      if (total > maxBytes) throw new FileTooLarge(path, maxBytes);
    }
  } finally {
    closeSync(fd);
  }
}
