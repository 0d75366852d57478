// GET /api/artifacts/:hash (immutable), its thumbnail, POST /api/uploads (images in) and GET /api/gallery.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { loadSharp } from '../../../nodes/load-sharp';
import { bodyLimit } from 'hono/body-limit';
import type { Atelier } from '../../atelier';
import { HASH_PATTERN } from '../../store/artifacts';
import { sniffMediaType } from '../../store/sniff';
import { THUMBNAIL_SIZE } from '../../store/thumbnails';
import { ApiError, errorBody } from '../errors';
import { bytes, error, imageTypes, json, newApi, pathParam, route, type Api } from '../openapi';
import { ArtifactSchema, GalleryEntrySchema } from '../schemas';
import { readUploadBody } from '../upload-body';
import { downloadArtifact } from './download';

export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** sharp's own default input limit (16383 × 16383), named so it is visible. */
export const MAX_UPLOAD_PIXELS = 0x3fff * 0x3fff;

/**
 * Decodes every pixel before an upload is accepted, so a truncated or corrupt file is refused here
 * (422) instead of failing later in a thumbnail or a node. The pixels stream into a thumbnail-sized
 * result, so a large image is never held whole (stats() alone misses some corrupt headers).
 */
async function decodeFully(bytes: Uint8Array): Promise<void> {
  try {
    await (await loadSharp())(bytes, { failOn: 'warning', limitInputPixels: MAX_UPLOAD_PIXELS, sequentialRead: true })
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ApiError(422, 'invalid_image', `the image cannot be decoded: ${(error as Error).message}`);
  }
}
const IMMUTABLE = 'public, max-age=31536000, immutable';

const params = pathParam('hash', HASH_PATTERN, 'an artifact id is a 64-character lowercase sha256 hex', 'the artifact\'s sha256 hex');
const badId = error('invalid_id: not a sha256 hex');
const unknown = error('not_found: no such artifact');

/** An image body: raw bytes, or the multipart field "file". */
export const imageBody = (what: string) => ({
  required: true,
  content: {
    ...Object.fromEntries([...imageTypes(), 'application/octet-stream'].map((type) => [type, { schema: { type: 'string' as const, format: 'binary' } }])),
    'multipart/form-data': { schema: { type: 'object' as const, properties: { file: { type: 'string' as const, format: 'binary', description: what } }, required: ['file'] } },
  },
});

const artifact = route({
  method: 'get',
  path: '/artifacts/{hash}',
  summary:
    'Artifact bytes, exactly as produced (immutable; ETag is the hash). ?download=1 answers an attachment; ?download=1&run=<runId> a PNG that carries that run\'s flow (iTXt atelier.flow)',
  request: {
    params,
    query: z.object({
      download: z.string().optional().openapi({ description: '1: as an attachment', example: '1' }),
      run: z.string().optional().openapi({ description: 'with download: embed this run\'s flow in a PNG' }),
    }),
  },
  responses: {
    200: bytes(['*/*'], 'the bytes, with the artifact\'s media type'),
    304: { description: 'If-None-Match named this artifact' },
    400: error('invalid_id, or invalid_query: run is not a run id'),
    404: error('not_found: no such artifact, or the run did not produce it'),
  },
});

const thumbnail = route({
  method: 'get',
  path: '/artifacts/{hash}/thumbnail',
  summary: 'WebP thumbnail of an image artifact',
  request: { params },
  responses: {
    200: bytes(['image/webp'], 'the thumbnail'),
    400: badId,
    404: unknown,
    415: error('not_an_image: only images have thumbnails'),
    422: error('invalid_image: the image cannot be decoded'),
  },
});

const upload = route({
  method: 'post',
  path: '/uploads',
  summary: 'Upload an image (raw body or multipart field "file"); it joins the gallery',
  middleware: [
    bodyLimit({
      maxSize: MAX_UPLOAD_BYTES,
      onError: (c) => c.json(errorBody('too_large', `uploads are limited to ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`), 413),
    }),
  ],
  request: {
    query: z.object({
      parent: z.string().optional().openapi({ description: 'the artifact this image was made from (lineage)', pattern: '^[0-9a-f]{64}$' }),
      prompt: z.string().optional().openapi({ description: 'caption shown in the gallery (default: the file name)' }),
    }),
    body: imageBody('a PNG, JPEG, WebP or GIF image'),
  },
  responses: {
    201: json(ArtifactSchema, 'the stored artifact'),
    400: error('invalid_body (empty, or no multipart field "file"), bad_multipart or invalid_parent'),
    413: error('too_large: uploads are limited to 64 MiB'),
    415: error('unsupported_media_type: not a PNG, JPEG, WebP or GIF image'),
    422: error('invalid_image: the image cannot be decoded'),
  },
});

const gallery = route({
  method: 'get',
  path: '/gallery',
  summary: 'Gallery, newest first: prompts, provider, model, thumbnails, parent image (lineage)',
  request: {
    query: z.object({
      provider: z.string().optional().openapi({ description: 'only entries of this provider (upload for uploads)' }),
      search: z.string().optional().openapi({ description: 'words in the prompt or file name' }),
      limit: z
        .string()
        .refine((v) => Number.isSafeInteger(Number(v)) && Number(v) >= 1, 'limit must be a positive integer')
        .optional()
        .openapi({ description: 'page size (default 200, capped at 5000)', example: '50' }),
      offset: z
        .string()
        .refine((v) => Number.isSafeInteger(Number(v)) && Number(v) >= 0, 'offset must be a non-negative integer')
        .optional()
        .openapi({ description: 'entries to skip', example: '0' }),
    }),
  },
  responses: {
    200: {
      ...json(z.array(GalleryEntrySchema), 'gallery entries'),
      headers: z.object({ 'x-total-count': z.string().openapi({ description: 'entries matching the filter, for paging' }) }),
    },
    400: error('invalid_query: limit or offset is not a whole number in range'),
  },
});

export function artifactRoutes(atelier: Atelier): Api {
  const app = newApi();
  const known = (hash: string) => {
    const artifact = atelier.store.artifacts.get(hash);
    if (!artifact || !atelier.store.artifacts.exists(hash)) throw new ApiError(404, 'not_found', `no artifact ${hash}`);
    return artifact;
  };

  app.openapi(artifact, async (c) => {
    const artifact = known(c.req.valid('param').hash);
    if (c.req.valid('query').download) return downloadArtifact(c, atelier, artifact);
    if (c.req.header('if-none-match') === `"${artifact.artifact}"`) return c.body(null, 304);
    const stream = Readable.toWeb(createReadStream(atelier.store.artifacts.pathOf(artifact.artifact))) as ReadableStream;
    return c.body(stream, 200, {
      'content-type': artifact.mediaType,
      'cache-control': IMMUTABLE,
      etag: `"${artifact.artifact}"`,
    });
  });

  app.openapi(thumbnail, async (c) => {
    const artifact = known(c.req.valid('param').hash);
    if (!artifact.mediaType.startsWith('image/')) throw new ApiError(415, 'not_an_image', `artifact ${artifact.artifact} is ${artifact.mediaType}; only images have thumbnails`);
    const thumb = await atelier.store.thumbnails.get(artifact.artifact).catch((error: Error) => {
      throw new ApiError(422, 'invalid_image', `artifact ${artifact.artifact} cannot be decoded for a thumbnail: ${error.message}`);
    });
    return c.body(new Uint8Array(thumb), 200, { 'content-type': 'image/webp', 'cache-control': IMMUTABLE });
  });

  app.openapi(upload, async (c) => {
    const { bytes, name } = await readUploadBody(c.req, 'an image');
    // ?parent=<hash> keeps lineage (e.g. a 3D-view screenshot of an image); ?prompt= overrides the file name.
    const query = c.req.valid('query');
    const parent = query.parent || undefined;
    if (parent !== undefined && !HASH_PATTERN.test(parent)) throw new ApiError(400, 'invalid_parent', 'parent: a 64-character lowercase sha256 hex of an artifact');
    if (parent !== undefined && !atelier.store.artifacts.get(parent)) throw new ApiError(400, 'invalid_parent', `parent: no artifact ${parent}`);
    const mediaType = sniffMediaType(bytes);
    if (!mediaType?.startsWith('image/')) throw new ApiError(415, 'unsupported_media_type', 'only PNG, JPEG, WebP and GIF images can be uploaded');
    await decodeFully(bytes);
    const artifact = await atelier.store.artifacts.put(bytes).catch((error: Error) => {
      throw new ApiError(422, 'invalid_image', error.message);
    });
    const prompt = query.prompt || (name ? name.replace(/\.[a-z0-9]+$/i, '') : undefined);
    await atelier.store.gallery.add({ artifact, provider: 'upload', ...(prompt ? { prompt } : {}), ...(parent ? { parent } : {}) });
    return c.json(artifact, 201);
  });

  app.openapi(gallery, (c) => {
    const query = c.req.valid('query');
    const { entries, total } = atelier.store.gallery.list({
      provider: query.provider || undefined,
      search: query.search || undefined,
      limit: query.limit ? Number(query.limit) : undefined,
      offset: query.offset ? Number(query.offset) : undefined,
    });
    c.header('x-total-count', String(total)); // entries matching the filter, for paging
    return c.json(entries, 200);
  });
  return app;
}
