// Reading a 28 MB image posted as a multipart form (what the editor's file drop sends): the event
// loop's longest stall while readUploadBody reads it as it arrives (64 KiB chunks, as from a socket),
// beside Request.formData(), which parses the whole body in one step once it has it (as before).
import { randomBytes } from 'node:crypto';
import { readUploadBody } from '../runtime/server/upload-body';
import { longestStall } from './stall';
import { median, printTable } from './table';

const MB = 28;

function arriving(body: Uint8Array, contentType: string): Request {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < body.length; at += 65_536) controller.enqueue(body.subarray(at, at + 65_536));
      controller.close();
    },
  });
  return new Request('http://localhost/api/uploads', { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': contentType, 'content-length': String(body.length) } } as RequestInit);
}

export async function bench(): Promise<Record<string, number>> {
  const file = randomBytes(MB * 1e6);
  const form = new FormData();
  form.append('file', new Blob([file]), 'photo.png');
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  const contentType = encoded.headers.get('content-type')!;
  const body = new Uint8Array(await encoded.arrayBuffer());
  const streamed: number[] = [];
  const oneStep: number[] = [];
  for (let round = 0; round < 5; round++) {
    let read = 0;
    streamed.push(await longestStall(async () => {
      const request = arriving(body, contentType);
      read = (await readUploadBody({ header: (name: string) => request.headers.get(name) ?? undefined, raw: request } as never, 'an image')).bytes.byteLength;
    }));
    let parsed = 0;
    oneStep.push(await longestStall(async () => {
      const got = (await arriving(body, contentType).formData()).get('file') as File;
      parsed = (await got.arrayBuffer()).byteLength;
    }));
    if (read !== file.length || parsed !== file.length) throw new Error(`read ${read} and ${parsed} bytes of ${file.length}`);
  }
  const result = { multipartUploadStallMs: median(streamed), multipartUploadFormDataStallMs: median(oneStep) };
  printTable(`Reading a ${MB} MB multipart upload (longest event-loop stall, median of 5)`, [
    { name: 'readUploadBody', value: result.multipartUploadStallMs, unit: 'ms', baseline: { name: 'Request.formData()', value: result.multipartUploadFormDataStallMs }, target: '< ×0.3' },
  ]);
  return result;
}
