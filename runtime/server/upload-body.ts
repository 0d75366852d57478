// The body of an upload route: raw bytes, or the field `file` of a multipart form. Shared by
// POST /api/uploads and POST /api/flows/from-image, so both refuse the same things the same way.
import type { HonoRequest } from 'hono';
import { ApiError } from './errors';

export interface UploadBody {
  bytes: Uint8Array;
  /** The file name a multipart upload carried. */
  name?: string;
}

/** `what` names the expected file in the error for a form without it, e.g. "an image". */
export async function readUploadBody(request: Pick<HonoRequest, 'header' | 'formData' | 'arrayBuffer'>, what: string): Promise<UploadBody> {
  let body: UploadBody;
  if ((request.header('content-type') ?? '').startsWith('multipart/form-data')) {
    const form = await request.formData().catch(() => {
      throw new ApiError(400, 'bad_multipart', 'the multipart body cannot be parsed');
    });
    const file = form.get('file');
    if (!(file instanceof File)) throw new ApiError(400, 'invalid_body', `file: the multipart field "file" with ${what} is missing`);
    body = { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name };
  } else body = { bytes: new Uint8Array(await request.arrayBuffer()) };
  if (body.bytes.byteLength === 0) throw new ApiError(400, 'invalid_body', 'the upload is empty');
  return body;
}
