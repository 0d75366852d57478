// POST /api/flows/from-image: a PNG (raw body or multipart field "file") → the flow embedded in it.
import type { Atelier } from '../../atelier';
import { flowFromPng, NoEmbeddedFlow } from '../../flow-png';
import { PngMetaError } from '../../../model/png-meta';
import { ApiError } from '../errors';
import { readUploadBody } from '../upload-body';
import { error, json, newApi, route, type Api } from '../openapi';
import { EmbeddedFlowSchema } from '../schemas';
import { imageBody } from './artifacts';

const fromImage = route({
  method: 'post',
  path: '/from-image',
  summary: 'The flow a PNG made by Atelier carries (iTXt atelier.flow); raw body or multipart field "file"',
  request: { body: imageBody('a PNG made by Atelier') },
  responses: {
    200: json(EmbeddedFlowSchema, 'the flow, the inputs of the run that made the image, and which node and port made it'),
    400: error('invalid_body (empty, or no multipart field "file") or bad_multipart'),
    422: error('no_embedded_flow: the image carries no Atelier flow; bad_embedded_flow: the flow in it is not valid'),
  },
});

export function fromImageRoutes(_atelier: Atelier): Api {
  const app = newApi();
  app.openapi(fromImage, async (c) => {
    const { bytes } = await readUploadBody(c.req, 'a PNG');
    try {
      return c.json(flowFromPng(bytes), 200);
    } catch (error) {
      if (error instanceof NoEmbeddedFlow) throw new ApiError(422, 'no_embedded_flow', error.message);
      if (error instanceof PngMetaError) throw new ApiError(422, 'bad_embedded_flow', error.message);
      throw error;
    }
  });
  return app;
}
