// Templates: saved flows marked `"template": true` under flows/. GET /api/templates lists them with a
// preview (the shipped thumbnail `preview` under flows/assets/, else the image output of the flow's
// latest succeeded run, else null); POST /api/templates saves a copy of a flow as a new template.
import { join } from 'node:path';
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../../atelier';
import { readAsset } from '../../assets';
import { sniffMediaType } from '../../store/sniff';
import { isArtifact } from '../../../model/artifact';
import type { Flow } from '../../../model/flow';
import { ApiError } from '../errors';
import { bytes, error, imageTypes, json, jsonRequest, newApi, route, type Api } from '../openapi';
import { SavedFlowSchema, SaveTemplateSchema, TemplateSummarySchema } from '../schemas';
import { flowIdParam } from './flows';

export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

const list = route({
  method: 'get',
  path: '/',
  summary: 'Flows marked "template": true, with previewUrl (shipped thumbnail, else the latest run\'s image output, else null)',
  responses: { 200: json(z.array(TemplateSummarySchema), 'every template') },
});

const preview = route({
  method: 'get',
  path: '/{id}/preview',
  summary: 'The template\'s shipped preview image',
  request: { params: flowIdParam() },
  responses: {
    200: bytes(imageTypes(), 'the preview image'),
    400: error('invalid_id'),
    404: error('not_found: no such template, or it ships no preview'),
    415: error('not_an_image: the preview file is not an image'),
    422: error('invalid_flow_file: the saved flow is not a valid document'),
  },
});

const save = route({
  method: 'post',
  path: '/',
  summary: 'Save a copy of a flow ({ flowId | flow, name?, description? }) as a new template under flows/',
  request: { body: jsonRequest(SaveTemplateSchema) },
  responses: { 201: json(SavedFlowSchema, 'the new template\'s id and revision'), 404: error('not_found: no flow with this flowId') },
});

export function templateRoutes(atelier: Atelier): Api {
  const app = newApi();
  const assetsDir = join(atelier.flows.dir, 'assets');
  const template = (id: string): Flow => {
    const flow = atelier.flows.get(id);
    if (!flow.template) throw new ApiError(404, 'not_found', `flow "${id}" is not a template`);
    return flow;
  };

  app.openapi(list, (c) => {
    const list: TemplateSummary[] = [];
    for (const summary of atelier.flows.list()) {
      if (summary.error) continue;
      const flow = atelier.flows.get(summary.id);
      if (!flow.template) continue;
      list.push({
        id: summary.id,
        name: flow.name,
        ...(flow.description ? { description: flow.description } : {}),
        nodeCount: flow.nodes.length,
        inputs: Object.keys(flow.inputs),
        outputs: Object.keys(flow.outputs),
        previewUrl: flow.preview ? `/api/templates/${summary.id}/preview` : lastImageOutput(atelier, summary.id),
      });
    }
    return c.json(list, 200);
  });

  app.openapi(preview, async (c) => {
    const { id } = c.req.valid('param');
    const flow = template(id);
    if (!flow.preview) throw new ApiError(404, 'not_found', `template "${id}" ships no preview`);
    const bytes = await readAsset(assetsDir, flow.preview).catch((error: Error) => {
      throw new ApiError(404, 'not_found', error.message);
    });
    const mediaType = sniffMediaType(bytes);
    if (!mediaType?.startsWith('image/')) throw new ApiError(415, 'not_an_image', `preview "${flow.preview}" is not an image`);
    return c.body(new Uint8Array(bytes), 200, { 'content-type': mediaType, 'cache-control': 'no-cache' });
  });

  app.openapi(save, (c) => {
    const body = c.req.valid('json');
    const source = body.flow ?? atelier.flows.get(body.flowId!);
    const flow: Flow = { ...source, template: true, revision: 0, ...(body.name ? { name: body.name } : {}), ...(body.description ? { description: body.description } : {}) };
    return c.json(atelier.flows.create(flow), 201);
  });
  return app;
}

function lastImageOutput(atelier: Atelier, flowId: string): string | null {
  for (const run of atelier.store.runs.list({ flowId, limit: 20 })) {
    if (run.status !== 'succeeded') continue;
    const record = atelier.store.runs.get(run.id);
    const image = Object.values(record?.outputs ?? {}).find((v) => isArtifact(v) && v.mediaType.startsWith('image/'));
    if (isArtifact(image)) return image.url;
  }
  return null;
}
