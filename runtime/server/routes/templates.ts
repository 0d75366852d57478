// Templates: saved flows marked `"template": true` under flows/. GET /api/templates lists them with a
// preview (the shipped thumbnail `preview` under flows/assets/, else the image output of the flow's
// latest succeeded run, else null); POST /api/templates saves a copy of a flow as a new template.
import { join } from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Atelier } from '../../atelier';
import { readAsset } from '../../assets';
import { sniffMediaType } from '../../store/sniff';
import { isArtifact } from '../../../model/artifact';
import { FlowIdSchema, FlowSchema, type Flow } from '../../../model/flow';
import { ApiError, readJson } from '../errors';

const SaveTemplateSchema = z
  .object({ flowId: FlowIdSchema.optional(), flow: FlowSchema.optional(), name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional() })
  .refine((b) => b.flowId || b.flow, { message: 'give flowId (a saved flow) or flow (a flow document)', path: ['flowId'] });

export interface TemplateSummary {
  id: string;
  name: string;
  description?: string;
  nodeCount: number;
  inputs: string[];
  outputs: string[];
  previewUrl: string | null;
}

export function templateRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  const assetsDir = join(atelier.flows.dir, 'assets');
  const template = (id: string): Flow => {
    if (!FlowIdSchema.safeParse(id).success) throw new ApiError(400, 'invalid_id', 'a flow id is lowercase letters, digits and "-" (1–80 characters)');
    const flow = atelier.flows.get(id);
    if (!flow.template) throw new ApiError(404, 'not_found', `flow "${id}" is not a template`);
    return flow;
  };

  app.get('/', (c) => {
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
    return c.json(list);
  });

  app.get('/:id/preview', async (c) => {
    const flow = template(c.req.param('id'));
    if (!flow.preview) throw new ApiError(404, 'not_found', `template "${c.req.param('id')}" ships no preview`);
    const bytes = await readAsset(assetsDir, flow.preview).catch((error: Error) => {
      throw new ApiError(404, 'not_found', error.message);
    });
    const mediaType = sniffMediaType(bytes);
    if (!mediaType?.startsWith('image/')) throw new ApiError(415, 'not_an_image', `preview "${flow.preview}" is not an image`);
    return c.body(new Uint8Array(bytes), 200, { 'content-type': mediaType, 'cache-control': 'no-cache' });
  });

  app.post('/', async (c) => {
    const body = await readJson(c, SaveTemplateSchema);
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
