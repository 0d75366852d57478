// POST /api/flows/from-image: a PNG (raw body or multipart field "file") → the flow embedded in it.
import { Hono } from 'hono';
import type { Atelier } from '../../atelier';
import { flowFromPng, NoEmbeddedFlow } from '../../flow-png';
import { PngMetaError } from '../../../model/png-meta';
import { ApiError } from '../errors';

export function fromImageRoutes(_atelier: Atelier): Hono {
  const app = new Hono();
  app.post('/from-image', async (c) => {
    let bytes: Uint8Array;
    if ((c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
      const form = await c.req.formData().catch(() => {
        throw new ApiError(400, 'bad_multipart', 'the multipart body cannot be parsed');
      });
      const file = form.get('file');
      if (!(file instanceof File)) throw new ApiError(400, 'invalid_body', 'file: the multipart field "file" with a PNG is missing');
      bytes = new Uint8Array(await file.arrayBuffer());
    } else bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) throw new ApiError(400, 'invalid_body', 'the upload is empty');
    try {
      return c.json(flowFromPng(bytes));
    } catch (error) {
      if (error instanceof NoEmbeddedFlow) throw new ApiError(422, 'no_embedded_flow', error.message);
      if (error instanceof PngMetaError) throw new ApiError(422, 'bad_embedded_flow', error.message);
      throw error;
    }
  });
  return app;
}
