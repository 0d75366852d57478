// Flow files: GET|POST /api/flows, GET|PUT|DELETE /api/flows/:id
import { Hono } from 'hono';
import type { Atelier } from '../../atelier';
import { FlowSchema } from '../../../model/flow';
import { FlowNotFound, InvalidFlowFile, RevisionConflict, isFlowId } from '../../store/flows';
import { ApiError, readJson } from '../errors';

export function flowRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  const checkedId = (id: string) => {
    if (!isFlowId(id)) throw new ApiError(400, 'invalid_id', 'a flow id is lowercase letters, digits and "-" (1–80 characters)');
    return id;
  };

  app.get('/', (c) => c.json(atelier.flows.list()));

  app.post('/', async (c) => {
    const flow = await readJson(c, FlowSchema);
    return c.json(atelier.flows.create(flow), 201);
  });

  app.get('/:id', (c) => c.json(atelier.flows.get(checkedId(c.req.param('id')))));

  app.put('/:id', async (c) => {
    const id = checkedId(c.req.param('id'));
    const flow = await readJson(c, FlowSchema);
    return c.json({ id, revision: atelier.flows.save(id, flow) });
  });

  app.delete('/:id', (c) => {
    const id = checkedId(c.req.param('id'));
    atelier.flows.delete(id);
    return c.json({ id, deleted: true });
  });
  return app;
}

/** Maps flow store errors to API errors (used by the app's error handler). */
export function flowStoreError(error: unknown): ApiError | undefined {
  if (error instanceof FlowNotFound) return new ApiError(404, 'not_found', error.message);
  if (error instanceof RevisionConflict) {
    return new ApiError(409, 'revision_conflict', error.message, { currentRevision: error.currentRevision, sentRevision: error.sentRevision });
  }
  if (error instanceof InvalidFlowFile) return new ApiError(422, 'invalid_flow_file', error.message, { problems: error.problems });
  return undefined;
}
