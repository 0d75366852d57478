// /api/openapi.json entries for batches (sweeps), templates, flows from images and flow downloads.
import { z } from 'zod';
import { BatchRequestSchema } from './routes/batches';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function flowFeaturePaths(): Record<string, unknown> {
  return {
    '/api/batches': {
      get: { summary: 'Recent batches (?limit)', responses: { 200: { description: 'array of batch summaries { id, status, mode, axes, inputs, createdAt, finishedAt?, costUsd?, runCount }' } } },
      post: {
        summary: 'Start a sweep: one run per combination (product) or position (zip) of the swept input values; ?wait=1 blocks',
        parameters: [{ name: 'wait', in: 'query', schema: { type: 'string', enum: ['1'] } }],
        requestBody: { content: { 'application/json': { schema: schema(BatchRequestSchema) } } },
        responses: { 202: { description: '{ batchId, runIds }' }, 200: { description: 'the finished batch (with ?wait=1)' }, 400: errorRef('invalid flow or sweep; details name the runs') },
      },
    },
    '/api/batches/{id}': {
      parameters: [idParam('id', 'batch id'), { name: 'wait', in: 'query', schema: { type: 'string', enum: ['1'] } }],
      get: { summary: 'A batch: { id, status, mode, axes, inputs, costUsd?, runs: [{ runId, inputs, sweep, status, outputs, costUsd? }] }', responses: { 200: { description: 'batch' }, 404: errorRef('unknown batch') } },
    },
    '/api/batches/{id}/events': {
      parameters: [idParam('id', 'batch id')],
      get: { summary: 'Server-sent events: run.queued, run.started and run.finished of every run, then batch.finished', responses: { 200: { description: 'text/event-stream' } } },
    },
    '/api/batches/{id}/cancel': { parameters: [idParam('id', 'batch id')], post: { summary: 'Cancel every run of a batch', responses: { 200: { description: '{ id, status }' } } } },
    '/api/flows/from-image': {
      post: {
        summary: 'The flow a PNG made by Atelier carries (iTXt atelier.flow); raw body or multipart field "file"',
        requestBody: { content: { 'image/png': {}, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } } } },
        responses: { 200: { description: '{ flow, inputs, runId?, node?, port? }' }, 422: errorRef('no_embedded_flow: the PNG is just an image; bad_embedded_flow') },
      },
    },
    // Replaces the plain entry: the same route, documented with its download query.
    '/api/artifacts/{hash}': {
      parameters: [idParam('hash', 'sha256 hex')],
      get: {
        summary: 'Artifact bytes (immutable). ?download=1 answers an attachment; ?download=1&run=<runId> a PNG that carries that run\'s flow (iTXt atelier.flow)',
        parameters: [{ name: 'download', in: 'query', schema: { type: 'string', enum: ['1'] } }, { name: 'run', in: 'query', schema: { type: 'string' } }],
        responses: { 200: { description: 'bytes' }, 404: errorRef('unknown artifact, or the run did not produce it') },
      },
    },
    '/api/templates': {
      get: { summary: 'Flows marked "template": true, with previewUrl (shipped thumbnail, else the latest run\'s image output, else null)', responses: { 200: { description: 'array of { id, name, description?, nodeCount, inputs, outputs, previewUrl }' } } },
      post: { summary: 'Save a copy of a flow ({ flowId | flow, name?, description? }) as a new template under flows/', responses: { 201: { description: '{ id, revision }' } } },
    },
    '/api/templates/{id}/preview': { parameters: [idParam('id', 'flow id')], get: { summary: 'The template\'s shipped preview image', responses: { 200: { description: 'image' }, 404: errorRef('no preview') } } },
  };
}
