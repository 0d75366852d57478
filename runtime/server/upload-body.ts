// The body of an upload route: raw bytes, or the field `file` of a multipart form. Shared by
// POST /api/uploads and POST /api/flows/from-image, so both refuse the same things the same way.
import { availableParallelism } from 'node:os';
import type { HonoRequest, MiddlewareHandler } from 'hono';
import { Limiter } from '../engine/limiter';
import { ApiError } from './errors';
import { multipartBoundary, readMultipartFile } from './multipart-file';

/**
 * Uploads read and checked at once (each holds its body, up to 64 MiB, and what decoding it takes);
 * the others wait with their bodies unread, so their clients' sends wait too. 32 uploads of 28 MB at
 * once grew the server by 1.8 GB (2.7 GB as multipart forms).
 */
export const UPLOADS_AT_ONCE = Math.max(2, availableParallelism());
const uploadSlots = new Limiter(UPLOADS_AT_ONCE);

/** Uploads being read or checked now. */
export const uploadsInProgress = () => uploadSlots.taken;
/** Uploads waiting for a slot now. */
export const uploadsWaiting = () => uploadSlots.queued;

/**
 * The upload routes' first middleware: a slot is taken before anything reads the body (the body
 * limit reads a chunked one whole before the route sees it) and given back when the answer is made.
 */
export const uploadSlot: MiddlewareHandler = async (c, next) => {
  if (c.req.method !== 'POST') return next();
  await uploadSlots.acquire();
  try {
    await next();
  } finally {
    uploadSlots.release();
  }
};

export interface UploadBody {
  bytes: Uint8Array;
  /** The file name a multipart upload carried. */
  name?: string;
}

/** `what` names the expected file in the error for a form without it, e.g. "an image". */
export async function readUploadBody(request: Pick<HonoRequest, 'header' | 'raw'>, what: string): Promise<UploadBody> {
  let body: UploadBody;
  const contentType = request.header('content-type') ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    const file = await readMultipartFile(bodyChunks(request.raw), multipartBoundary(contentType), 'file', declaredLength(request.raw)).catch((error: unknown) => {
      if (error instanceof ApiError) throw error;
      throw new ApiError(400, 'bad_multipart', `the multipart body cannot be parsed: ${(error as Error).message}`);
    });
    if (!file) throw new ApiError(400, 'invalid_body', `file: the multipart field "file" with ${what} is missing`);
    body = file;
  } else body = { bytes: await readBytes(request.raw) };
  if (body.bytes.byteLength === 0) throw new ApiError(400, 'invalid_body', 'the upload is empty');
  return body;
}

/**
 * The body's bytes, copied chunk by chunk into one buffer of its declared length. Request.arrayBuffer()
 * joins the chunks and then copies the whole once more, each copy a single step: ~300 ms of a held
 * event loop for a 28 MB upload on this kind of machine (most of it the kernel mapping fresh pages).
 */
async function readBytes(request: Request): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const declared = declaredLength(request);
  const chunks: Uint8Array[] = [];
  let into = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
  let size = 0;
  for await (const chunk of bodyChunks(request)) {
    if (into && size + chunk.byteLength <= into.byteLength) into.set(chunk, size);
    else {
      // More than it declared (the body limit counts what arrives), or no length: joined at the end.
      if (into) chunks.push(into.subarray(0, size));
      into = undefined;
      chunks.push(chunk);
    }
    size += chunk.byteLength;
  }
  return into ? into.subarray(0, size) : Buffer.concat(chunks);
}

/** The body's content-length when it gives a usable one. */
function declaredLength(request: Request): number | undefined {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
}

function bodyChunks(request: Request): AsyncIterable<Uint8Array> {
  return (request.body ?? []) as unknown as AsyncIterable<Uint8Array>;
}
