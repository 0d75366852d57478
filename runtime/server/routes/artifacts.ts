// GET /api/artifacts/:hash (immutable), its thumbnail, and POST /api/uploads (images in).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import sharp from 'sharp';
import { bodyLimit } from 'hono/body-limit';
import type { Atelier } from '../../atelier';
import { HASH_PATTERN } from '../../store/artifacts';
import { sniffMediaType } from '../../store/sniff';
import { ApiError, errorBody } from '../errors';

export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** sharp's own default input limit (16383 × 16383), named so it is visible. */
export const MAX_UPLOAD_PIXELS = 0x3fff * 0x3fff;

/**
 * Decodes every pixel before an upload is accepted, so a truncated or corrupt file is refused here
 * (422) instead of failing later in a thumbnail or a node. stats() streams through the image
 * without holding it all in memory.
 */
async function decodeFully(bytes: Uint8Array): Promise<void> {
  try {
    await sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_UPLOAD_PIXELS, sequentialRead: true }).stats();
  } catch (error) {
    throw new ApiError(422, 'invalid_image', `the image cannot be decoded: ${(error as Error).message}`);
  }
}
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function artifactRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  const known = (hash: string) => {
    if (!HASH_PATTERN.test(hash)) throw new ApiError(400, 'invalid_id', 'an artifact id is a 64-character lowercase sha256 hex');
    const artifact = atelier.store.artifacts.get(hash);
    if (!artifact || !atelier.store.artifacts.exists(hash)) throw new ApiError(404, 'not_found', `no artifact ${hash}`);
    return artifact;
  };

  app.get('/artifacts/:hash', (c) => {
    const artifact = known(c.req.param('hash'));
    if (c.req.header('if-none-match') === `"${artifact.artifact}"`) return c.body(null, 304);
    const stream = Readable.toWeb(createReadStream(atelier.store.artifacts.pathOf(artifact.artifact))) as ReadableStream;
    return c.body(stream, 200, {
      'content-type': artifact.mediaType,
      'cache-control': IMMUTABLE,
      etag: `"${artifact.artifact}"`,
    });
  });

  app.get('/artifacts/:hash/thumbnail', async (c) => {
    const artifact = known(c.req.param('hash'));
    if (!artifact.mediaType.startsWith('image/')) throw new ApiError(415, 'not_an_image', `artifact ${artifact.artifact} is ${artifact.mediaType}; only images have thumbnails`);
    const thumb = await atelier.store.thumbnails.get(artifact.artifact);
    return c.body(new Uint8Array(thumb), 200, { 'content-type': 'image/webp', 'cache-control': IMMUTABLE });
  });

  app.post(
    '/uploads',
    bodyLimit({
      maxSize: MAX_UPLOAD_BYTES,
      onError: (c) => c.json(errorBody('too_large', `uploads are limited to ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`), 413),
    }),
    async (c) => {
      let bytes: Uint8Array;
      let name: string | undefined;
      if ((c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
        const form = await c.req.formData().catch(() => {
          throw new ApiError(400, 'bad_multipart', 'the multipart body cannot be parsed');
        });
        const file = form.get('file');
        if (!(file instanceof File)) throw new ApiError(400, 'invalid_body', 'file: the multipart field "file" with an image is missing');
        bytes = new Uint8Array(await file.arrayBuffer());
        name = file.name;
      } else {
        bytes = new Uint8Array(await c.req.arrayBuffer());
      }
      if (bytes.byteLength === 0) throw new ApiError(400, 'invalid_body', 'the upload is empty');
      // ?parent=<hash> keeps lineage (e.g. a 3D-view screenshot of an image); ?prompt= overrides the file name.
      const parent = c.req.query('parent') || undefined;
      if (parent !== undefined && !HASH_PATTERN.test(parent)) throw new ApiError(400, 'invalid_parent', 'parent: a 64-character lowercase sha256 hex of an artifact');
      if (parent !== undefined && !atelier.store.artifacts.get(parent)) throw new ApiError(400, 'invalid_parent', `parent: no artifact ${parent}`);
      const mediaType = sniffMediaType(bytes);
      if (!mediaType?.startsWith('image/')) throw new ApiError(415, 'unsupported_media_type', 'only PNG, JPEG, WebP and GIF images can be uploaded');
      await decodeFully(bytes);
      const artifact = await atelier.store.artifacts.put(bytes).catch((error: Error) => {
        throw new ApiError(422, 'invalid_image', error.message);
      });
      const prompt = c.req.query('prompt') || (name ? name.replace(/\.[a-z0-9]+$/i, '') : undefined);
      atelier.store.gallery.add({ artifact, provider: 'upload', ...(prompt ? { prompt } : {}), ...(parent ? { parent } : {}) });
      return c.json(artifact, 201);
    },
  );

  app.get('/gallery', (c) => {
    const limit = c.req.query('limit');
    const offset = c.req.query('offset');
    const { entries, total } = atelier.store.gallery.list({
      provider: c.req.query('provider') || undefined,
      search: c.req.query('search') || undefined,
      limit: limit ? Math.max(1, Number(limit) || 200) : undefined,
      offset: offset ? Math.max(0, Number(offset) || 0) : undefined,
    });
    c.header('x-total-count', String(total)); // entries matching the filter, for paging
    return c.json(entries);
  });
  return app;
}
