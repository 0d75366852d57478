// /api/openapi.json, described from the same zod schemas the routes validate with.
import { z } from 'zod';
import { ArtifactSchema, ErrorSchema, FlowSchema, RunRequestSchema, ValidateRequestSchema } from './schemas';
import { flowFeaturePaths } from './openapi-flows';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const json = (s: z.ZodType | Record<string, unknown>) => ({
  content: { 'application/json': { schema: s instanceof z.ZodType ? schema(s) : s } },
});
const error = (description: string) => ({ description, ...json(ErrorSchema) });
const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });

/** Answers every operation can give, from the trust boundary (app.ts) rather than the route. */
function withBoundaryErrors(paths: Record<string, Record<string, any>>) {
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operation.responses ??= {};
      operation.responses[401] ??= error('unauthorized: ATELIER_TOKEN is set and no Bearer token or session cookie came');
      operation.responses[403] ??= error('host_not_allowed (Host not this server; see ATELIER_ALLOWED_HOSTS) or, for writes and the WebSocket, origin_not_allowed (see ATELIER_ALLOWED_ORIGINS)');
      if (method !== 'get') {
        operation.responses[400] ??= error('bad_json, invalid_body or limit_exceeded: details.issues names each field');
        operation.responses[415] ??= error('unsupported_media_type: JSON routes take application/json only');
      }
    }
  }
  return paths;
}

export function openApiDocument(): Record<string, unknown> {
  const document = {
    openapi: '3.1.0',
    info: { title: 'Atelier API', version: '1', description: 'Flows, runs, events and artifacts of the Atelier runtime.' },
    paths: {
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/api/nodes': { get: { summary: 'Node catalog (ports, params JSON Schema, category)', responses: { 200: { description: 'array of { type, title, category, description, version, inputs, outputs, params, deterministic }' } } } },
      '/api/providers': { get: { summary: 'Which providers are configured (never secrets)', responses: { 200: { description: 'array of { id, title, configured, via?, missing?, baseUrl? }' } } } },
      '/api/workers': { get: { summary: 'Queue mode: the workers executing runs (an empty list in single-process mode)', responses: { 200: { description: 'array of { id, host, pid, concurrency, runs, startedAt, lastHeartbeat }' } } } },
      '/api/providers/reload': { post: { summary: 'Read .env again; answers as GET /api/providers', responses: { 200: { description: 'array of { id, title, configured, via?, missing?, baseUrl? }' } } } },
      '/api/flows': {
        get: { summary: 'List flows', responses: { 200: { description: 'array of { id, name, revision, description?, updatedAt, nodeCount }' } } },
        post: { summary: 'Create a flow; the id is derived from its name', requestBody: json(FlowSchema), responses: { 201: { description: '{ id, revision }' }, 400: error('invalid flow') } },
      },
      '/api/flows/validate': {
        post: {
          summary: 'Check a flow as POST /api/runs would, running nothing',
          requestBody: json(ValidateRequestSchema),
          responses: { 200: { description: '{ ok, issues: [{ nodeId?, field?, code, message }] }' }, 400: error('the body is not { flow, inputs?, target? }') },
        },
      },
      '/api/flows/{id}': {
        parameters: [idParam('id', 'flow id: the file name under flows/ without .json')],
        get: { summary: 'Get a flow', responses: { 200: json(FlowSchema), 404: error('unknown flow') } },
        put: { summary: 'Save a flow; `revision` must be the revision you loaded', requestBody: json(FlowSchema), responses: { 200: { description: '{ id, revision }' }, 409: error('stale revision') } },
        delete: { summary: 'Delete a flow', responses: { 200: { description: '{ id, deleted }' }, 404: error('unknown flow') } },
      },
      '/api/runs': {
        get: { summary: 'List runs (?flowId, ?limit)', responses: { 200: { description: 'array of { id, flowId?, status, startedAt, finishedAt? }, newest first' } } },
        post: {
          summary: 'Start a run; ?wait=1 blocks and returns the finished run record',
          parameters: [{ name: 'wait', in: 'query', schema: { type: 'string', enum: ['1'] } }],
          requestBody: json(RunRequestSchema),
          responses: { 202: { description: '{ runId }' }, 200: { description: 'run record (with ?wait=1)' }, 400: error('invalid flow: details.issues lists every problem') },
        },
      },
      '/api/runs/{id}': { parameters: [idParam('id', 'run id')], get: { summary: 'A run record', responses: { 200: { description: 'run record' }, 404: error('unknown run') } } },
      '/api/runs/{id}/flow': { parameters: [idParam('id', 'run id')], get: { summary: 'The flow document the run executed', responses: { 200: json(FlowSchema) } } },
      '/api/runs/{id}/cancel': { parameters: [idParam('id', 'run id')], post: { summary: 'Cancel a run', responses: { 200: { description: '{ id, status }' } } } },
      '/api/runs/{id}/events': {
        parameters: [idParam('id', 'run id'), { name: 'since', in: 'query', schema: { type: 'integer' } }],
        get: { summary: 'Server-sent events after seq `since` (replayed, then live)', responses: { 200: { description: 'text/event-stream' } } },
      },
      '/api/ws': { get: { summary: 'WebSocket: send {type:"subscribe",runId,since} or {type:"subscribe-runs"}', responses: { 101: { description: 'upgrade' } } } },
      '/api/artifacts/{hash}': { parameters: [idParam('hash', 'sha256 hex')], get: { summary: 'Artifact bytes (immutable)', responses: { 200: { description: 'bytes' }, 404: error('unknown artifact') } } },
      '/api/artifacts/{hash}/thumbnail': { parameters: [idParam('hash', 'sha256 hex')], get: { summary: 'WebP thumbnail of an image artifact', responses: { 200: { description: 'image/webp' } } } },
      '/api/uploads': {
        post: {
          summary: 'Upload an image (raw body or multipart field "file"); ?parent=<hash> records lineage, ?prompt= a caption',
          parameters: [
            { name: 'parent', in: 'query', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' }, description: 'the artifact this image was made from' },
            { name: 'prompt', in: 'query', schema: { type: 'string' }, description: 'caption shown in the gallery (default: the file name)' },
          ],
          requestBody: { content: { 'image/*': {}, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } } } },
          responses: { 201: json(ArtifactSchema), 413: error('too large'), 415: error('not an image') },
        },
      },
      ...flowFeaturePaths(),
      '/api/gallery': { get: { summary: 'Gallery (?provider, ?search, ?limit, ?offset)', responses: { 200: { description: 'array of entries { id, artifact, thumbnailUrl, fileName, prompt?, provider?, model?, text?, parent?, runId?, createdAt }, newest first; header X-Total-Count counts all matches' } } } },
    },
    components: { schemas: { Flow: schema(FlowSchema), RunRequest: schema(RunRequestSchema), Artifact: schema(ArtifactSchema), Error: schema(ErrorSchema) } },
  };
  withBoundaryErrors(document.paths as Record<string, Record<string, any>>);
  return document;
}
