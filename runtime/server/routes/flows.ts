// Flow files: GET|POST /api/flows, GET|PUT|DELETE /api/flows/:id, POST /api/flows/:id/runs.
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../../atelier';
import { FlowSchema as FlowDocumentSchema } from '../../../model/flow';
import { FlowNotFound, InvalidFlowFile, RevisionConflict } from '../../store/flows';
import { ValidationFailed } from '../../engine/run-manager';
import { ApiError } from '../errors';
import { error, json, jsonRequest, newApi, pathParam, route, turnAfterLargeBody, type Api } from '../openapi';
import {
  AttachedRunsSchema,
  AttachRunsSchema,
  DeletedFlowSchema,
  FlowSchema,
  FlowSummarySchema,
  SavedFlowSchema,
  ValidateRequestSchema,
  ValidateResultSchema,
} from '../schemas';

const FLOW_ID_MESSAGE = 'a flow id is lowercase letters, digits and "-" (1–80 characters)';
export const flowIdParam = () => pathParam('id', /^[a-z0-9][a-z0-9-]{0,79}$/, FLOW_ID_MESSAGE, 'flow id: the file name under flows/ without .json');
const params = flowIdParam();
const notFound = error('not_found: no flow with this id');
const badFile = error('invalid_flow_file: the file under flows/ is not a valid flow document (details.problems)');

const list = route({ method: 'get', path: '/', summary: 'List flows', responses: { 200: json(z.array(FlowSummarySchema), 'every flow file, by id') } });

const create = route({
  method: 'post',
  path: '/',
  summary: 'Create a flow; the id is derived from its name',
  request: { body: jsonRequest(FlowSchema) },
  responses: { 201: json(SavedFlowSchema, 'the new id and revision') },
});

const validate = route({
  method: 'post',
  path: '/validate',
  summary: 'Check a flow as POST /api/runs would, running nothing',
  request: { body: jsonRequest(ValidateRequestSchema) },
  responses: { 200: json(ValidateResultSchema, 'ok, or every problem with its node id and field') },
});

const get = route({
  method: 'get',
  path: '/{id}',
  summary: 'Get a flow',
  request: { params },
  responses: { 200: json(FlowSchema, 'the flow document'), 400: error('invalid_id'), 404: notFound, 422: badFile },
});

const put = route({
  method: 'put',
  path: '/{id}',
  summary: 'Save a flow; `revision` must be the revision you loaded (a new id creates the file)',
  request: { params, body: jsonRequest(FlowSchema) },
  responses: {
    200: json(SavedFlowSchema, 'the saved revision'),
    409: error('revision_conflict: the file changed since you loaded it (details.currentRevision, details.sentRevision)'),
    422: badFile,
  },
});

const remove = route({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a flow',
  request: { params },
  responses: { 200: json(DeletedFlowSchema, 'deleted'), 400: error('invalid_id'), 404: notFound, 422: badFile },
});

const attach = route({
  method: 'post',
  path: '/{id}/runs',
  summary: 'Attach runs made before the flow was first saved: those that exist and belong to no flow yet become runs of this flow',
  request: { params, body: jsonRequest(AttachRunsSchema) },
  responses: { 200: json(AttachedRunsSchema, 'the run ids now attached (unknown runs and runs of another flow are left out)'), 404: notFound },
});

export function flowRoutes(atelier: Atelier): Api {
  const app = newApi();
  app.openapi(list, (c) => c.json(atelier.flows.list(), 200));

  app.openapi(create, (c) => c.json(atelier.flows.create(c.req.valid('json')), 201));

  app.openapi(validate, async (c) => {
    const body = c.req.valid('json');
    await turnAfterLargeBody(c);
    const parsed = FlowDocumentSchema.safeParse(body.flow);
    if (!parsed.success) return c.json({ ok: false, issues: documentIssues(parsed.error.issues, body.flow) }, 200);
    await turnAfterLargeBody(c);
    try {
      atelier.runs.prepare({ flow: parsed.data, inputs: body.inputs, target: body.target });
    } catch (error) {
      if (error instanceof ValidationFailed) return c.json({ ok: false, issues: error.issues }, 200);
      throw error;
    }
    return c.json({ ok: true, issues: [] }, 200);
  });

  app.openapi(get, (c) => c.json(atelier.flows.get(c.req.valid('param').id), 200));

  app.openapi(put, (c) => {
    const { id } = c.req.valid('param');
    return c.json({ id, revision: atelier.flows.save(id, c.req.valid('json')) }, 200);
  });

  app.openapi(remove, (c) => {
    const { id } = c.req.valid('param');
    atelier.flows.delete(id);
    return c.json({ id, deleted: true as const }, 200);
  });

  app.openapi(attach, (c) => {
    const { id } = c.req.valid('param');
    if (!atelier.flows.exists(id)) throw new FlowNotFound(id);
    const attached = atelier.store.runs.attachToFlow(id, c.req.valid('json').runIds);
    // A run still executing holds its record in memory and saves it again: it learns its flow too.
    for (const runId of attached) {
      const live = atelier.runs.get(runId);
      if (live && !live.flowId) live.flowId = id;
    }
    return c.json({ attached }, 200);
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
