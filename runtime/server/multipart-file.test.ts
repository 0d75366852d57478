import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { multipartBoundary, readMultipartFile } from './multipart-file';

/** The body and content type fetch makes of a form, as a browser sends it. */
async function encoded(form: FormData): Promise<{ body: Buffer; boundary: string; contentType: string }> {
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type')!;
  return { body: Buffer.from(await request.arrayBuffer()), boundary: multipartBoundary(contentType), contentType };
}

async function* inChunks(body: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

/** What Request.formData() finds under `file`: the reference the reader must agree with. */
async function formDataFile(body: Buffer, contentType: string): Promise<{ bytes: Buffer; name: string } | undefined> {
  const form = await new Request('http://localhost/', { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } }).formData();
  const file = form.get('file');
  return file instanceof File ? { bytes: Buffer.from(await file.arrayBuffer()), name: file.name } : undefined;
}

describe('reading the file of a multipart form as it arrives', () => {
  it('finds what Request.formData() finds, however the body is cut into chunks', async () => {
    // Bytes that start like a delimiter: fetch's boundaries differ only in their last 12 digits, so
    // another form's boundary shares most of this one's, and follows a CRLF here only without its end.
    const { boundary } = await encoded(new FormData());
    const tricky = Buffer.concat([randomBytes(70_000), Buffer.from(`\r\n-\r\n--\r\n--${boundary.slice(0, -1)}x ${boundary}--`), randomBytes(5_000)]);
    const form = new FormData();
    form.append('caption', 'a red hat');
    form.append('file', new Blob([tricky]), 'hat.png');
    form.append('file', new Blob([Buffer.from('second')]), 'second.png');
    form.append('after', 'x');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const contentType = request.headers.get('content-type')!;
    const body = Buffer.from(await request.arrayBuffer());
    const expected = await formDataFile(body, contentType);
    expect(expected?.bytes.equals(tricky)).toBe(true);
    const delimiter = boundary.length + 4;
    for (const size of [1, 2, 7, delimiter - 1, delimiter, delimiter + 1, 4096, 65_536, body.length]) {
      const file = await readMultipartFile(inChunks(body, size), multipartBoundary(contentType), 'file', body.length);
      expect(file?.name, `chunks of ${size}`).toBe('hat.png');
      expect(Buffer.from(file!.bytes).equals(tricky), `chunks of ${size}`).toBe(true);
    }
  });

  it('answers no file when the field is missing or is a plain value, as formData() does', async () => {
    const plain = new FormData();
    plain.append('file', 'just text');
    plain.append('other', new Blob([Buffer.from('x')]), 'x.png');
    const { body, contentType } = await encoded(plain);
    expect(await formDataFile(body, contentType)).toBeUndefined();
    expect(await readMultipartFile(inChunks(body, 10), multipartBoundary(contentType), 'file')).toBeUndefined();
  });

  it('reads a hand-written form: preamble, quoted boundary, escaped and RFC 5987 file names, an empty file, epilogue', async () => {
    const b = 'simple boundary';
    const body = Buffer.from(
      'preamble to ignore\r\n' +
        `--${b}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n` +
        `--${b}  \r\ncontent-disposition: form-data; name="file"; filename="a \\"b\\".png"; filename*=UTF-8''H%C3%BCte.png\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n` +
        `--${b}--\r\nepilogue to ignore`,
      'utf8',
    );
    const file = await readMultipartFile(inChunks(body, 3), multipartBoundary(`multipart/form-data; boundary="${b}"`), 'file');
    expect(file).toEqual({ bytes: Buffer.from('PNGDATA'), name: 'Hüte.png' });
    const empty = Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n\r\n--${b}--`);
    expect(await readMultipartFile(inChunks(empty, 5), b, 'file')).toEqual({ bytes: Buffer.alloc(0), name: '' });
  });

  it('refuses what is not a well-formed form with a 400 naming why', async () => {
    const b = 'xyz';
    const read = (text: string) => readMultipartFile(inChunks(Buffer.from(text), 4), b, 'file');
    await expect(read(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\ncut off`)).rejects.toMatchObject({ status: 400, code: 'bad_multipart', message: expect.stringContaining('ends before its closing boundary') });
    await expect(read('no boundary anywhere')).rejects.toMatchObject({ code: 'bad_multipart' });
    await expect(read(`--${b}\r\nX-Long: ${'a'.repeat(20_000)}\r\n\r\ndata\r\n--${b}--`)).rejects.toMatchObject({ code: 'bad_multipart', message: expect.stringContaining('headers are longer than 16384 bytes') });
    await expect(read(`--${b}junk\r\n\r\n--${b}--`)).rejects.toMatchObject({ code: 'bad_multipart', message: expect.stringContaining('followed by something other than a line end') });
    expect(() => multipartBoundary('multipart/form-data')).toThrow(/names no boundary/);
    expect(() => multipartBoundary(`multipart/form-data; boundary=${'b'.repeat(201)}`)).toThrow(/names no boundary/);
  });
});
