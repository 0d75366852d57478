// Flow files: GET|POST /api/flows, GET|PUT|DELETE /api/flows/:id
import { Hono } from 'hono';
import type { Atelier } from '../../atelier';
import { FlowSchema } from '../../../model/flow';
import { FlowNotFound, InvalidFlowFile, RevisionConflict, isFlowId } from '../../store/flows';
import { ValidationFailed } from '../../engine/run-manager';
import { ApiError, readJson } from '../errors';
import { ValidateRequestSchema } from '../schemas';

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

  // Checks a flow exactly as POST /api/runs would, without running a node.
  app.post('/validate', async (c) => {
    const body = await readJson(c, ValidateRequestSchema);
    const parsed = FlowSchema.safeParse(body.flow);
    if (!parsed.success) return c.json({ ok: false, issues: documentIssues(parsed.error.issues, body.flow) });
    try {
      atelier.runs.prepare({ flow: parsed.data, inputs: body.inputs, target: body.target });
    } catch (error) {
      if (error instanceof ValidationFailed) return c.json({ ok: false, issues: error.issues });
      throw error;
    }
    return c.json({ ok: true, issues: [] });
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

/** Schema problems of a flow document as validation issues: the node id where the path is inside a node. */
function documentIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, flow: unknown) {
  const nodes = (flow as { nodes?: unknown } | null)?.nodes;
  return issues.map((issue) => {
    const path = issue.path.map(String);
    let nodeId: string | undefined;
    let field = path.join('.') || '(flow)';
    if (path[0] === 'nodes' && path.length > 1 && Array.isArray(nodes)) {
      const id = (nodes[Number(path[1])] as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && id) {
        nodeId = id;
        field = path.slice(2).join('.') || '(node)';
      }
    }
    return { ...(nodeId ? { nodeId } : {}), field, code: 'invalid_document', message: issue.message };
  });
}
