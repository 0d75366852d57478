// The field `file` of a multipart/form-data body, read as it arrives: each chunk is scanned for the
// boundary (Buffer.indexOf) and the file's bytes are copied into one buffer of the body's declared
// length. Request.formData() parses the whole body in one step once it has all of it: ~200 ms of a
// held event loop for a 28 MB image on this kind of machine, per upload.
import { ApiError } from './errors';

/** The most bytes a part's header block may take (browsers send a few hundred). */
const MAX_PART_HEADERS = 16 * 1024;
/** RFC 2046 allows 70 characters; some clients send longer ones. */
const MAX_BOUNDARY = 200;

export interface MultipartFile {
  bytes: Uint8Array;
  name: string;
}

/** The boundary of a multipart content type, or an error naming what is wrong with it. */
export function multipartBoundary(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;"]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > MAX_BOUNDARY) throw badMultipart(`the content type names no boundary (boundary=…, 1 to ${MAX_BOUNDARY} characters)`);
  return boundary;
}

/**
 * The first part named `field` that is a file (its Content-Disposition has a filename), as
 * Request.formData().get(field) finds it; undefined when there is none. A body that is not a
 * well-formed form (no closing boundary, a part's headers too long or broken) is a 400 bad_multipart.
 */
export async function readMultipartFile(body: AsyncIterable<Uint8Array>, boundary: string, field: string, declaredLength?: number): Promise<MultipartFile | undefined> {
  const parser = new PartReader(boundary, field, declaredLength);
  for await (const chunk of body) parser.push(chunk);
  return parser.end();
}

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

class PartReader {
  private readonly delimiter: Buffer;
  /** Bytes received and not yet consumed: less than a delimiter or a header block, except within a push. */
  private pending: Buffer;
  private state: State = 'preamble';
  /** The part being read is the file wanted, and none was found before. */
  private reading = false;
  private found?: { name: string; into?: Buffer; chunks: Buffer[]; size: number };

  constructor(
    boundary: string,
    private readonly field: string,
    private readonly declaredLength?: number,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // The first delimiter may open the body without a CRLF before it: one is supposed.
    this.pending = Buffer.from('\r\n', 'latin1');
  }

  push(chunk: Uint8Array): void {
    if (this.state === 'done') return; // the epilogue is ignored
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let more = true; more; ) more = this.step();
  }

  end(): MultipartFile | undefined {
    if (this.state !== 'done') throw badMultipart('the body ends before its closing boundary');
    const found = this.found;
    if (!found) return undefined;
    const bytes = found.into ? found.into.subarray(0, found.size) : Buffer.concat(found.chunks, found.size);
    return { bytes, name: found.name };
  }

  /** Consumes what it can of `pending`; false when it needs more bytes. */
  private step(): boolean {
    switch (this.state) {
      case 'preamble':
      case 'body':
        return this.untilDelimiter();
      case 'after-delimiter':
        return this.afterDelimiter();
      case 'headers':
        return this.headers();
      default:
        return false;
    }
  }

  private untilDelimiter(): boolean {
    const at = this.pending.indexOf(this.delimiter);
    if (at < 0) {
      // All but what could be the start of a delimiter is the part's data.
      const keep = Math.min(this.pending.length, this.delimiter.length - 1);
      this.data(this.pending.subarray(0, this.pending.length - keep));
      this.pending = this.pending.subarray(this.pending.length - keep);
      return false;
    }
    this.data(this.pending.subarray(0, at));
    this.pending = this.pending.subarray(at + this.delimiter.length);
    if (this.reading) this.reading = false; // the wanted part is complete
    this.state = 'after-delimiter';
    return true;
  }

  /** After a delimiter: "--" closes the form; otherwise optional blanks and a CRLF open the next part. */
  private afterDelimiter(): boolean {
    if (this.pending.length < 2) return false;
    if (this.pending[0] === 0x2d && this.pending[1] === 0x2d) {
      this.state = 'done';
      this.pending = Buffer.alloc(0);
      return false;
    }
    const lineEnd = this.pending.indexOf('\r\n', 0, 'latin1');
    if (lineEnd < 0) {
      if (this.pending.length > 256) throw badMultipart('a boundary line does not end');
      return false;
    }
    if (!/^[ \t]*$/.test(this.pending.toString('latin1', 0, lineEnd))) throw badMultipart('a boundary is followed by something other than a line end');
    this.pending = this.pending.subarray(lineEnd + 2);
    this.state = 'headers';
    return true;
  }

  private headers(): boolean {
    const end = this.pending.indexOf('\r\n\r\n', 0, 'latin1');
    // A part without headers starts with the blank line at once.
    const blankFirst = this.pending.length >= 2 && this.pending[0] === 0x0d && this.pending[1] === 0x0a;
    if (end < 0 && !blankFirst) {
      if (this.pending.length > MAX_PART_HEADERS) throw badMultipart(`a part's headers are longer than ${MAX_PART_HEADERS} bytes`);
      return false;
    }
    const headerEnd = blankFirst ? 0 : end;
    if (headerEnd > MAX_PART_HEADERS) throw badMultipart(`a part's headers are longer than ${MAX_PART_HEADERS} bytes`);
    const disposition = contentDisposition(this.pending.toString('utf8', 0, headerEnd));
    this.pending = this.pending.subarray(headerEnd + (blankFirst ? 2 : 4));
    this.reading = !this.found && disposition?.name === this.field && disposition.filename !== undefined;
    if (this.reading) {
      const room = this.declaredLength && Number.isSafeInteger(this.declaredLength) && this.declaredLength > 0 ? Buffer.allocUnsafe(this.declaredLength) : undefined;
      this.found = { name: disposition!.filename!, into: room, chunks: [], size: 0 };
    }
    this.state = 'body';
    return true;
  }

  private data(bytes: Buffer): void {
    if (!this.reading || bytes.length === 0) return;
    const found = this.found!;
    if (found.into && found.size + bytes.length <= found.into.length) found.into.set(bytes, found.size);
    else {
      // More than the body declared (it cannot be, short of a lying header): joined at the end.
      if (found.into) found.chunks.push(found.into.subarray(0, found.size));
      found.into = undefined;
      found.chunks.push(Buffer.from(bytes)); // `bytes` views `pending`, which is reused
    }
    found.size += bytes.length;
  }
}

/** name and filename of a part's Content-Disposition (filename* as RFC 5987 says; quoted strings unescaped). */
function contentDisposition(headerBlock: string): { name?: string; filename?: string } | undefined {
  const line = headerBlock.split('\r\n').find((header) => /^content-disposition\s*:/i.test(header));
  if (!line) return undefined;
  const params: Record<string, string> = {};
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    params[match[1].toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
  }
  let filename = params.filename;
  const extended = params['filename*'];
  if (extended !== undefined) {
    const quote = extended.indexOf("''");
    try {
      filename = decodeURIComponent(quote >= 0 ? extended.slice(quote + 2) : extended);
    } catch {
      // an undecodable filename* leaves the plain filename
    }
  }
  return { name: params.name, filename };
}

function badMultipart(why: string): ApiError {
  return new ApiError(400, 'bad_multipart', `the multipart body cannot be parsed: ${why}`);
}
