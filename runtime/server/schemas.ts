// Request and response bodies of the API: the routes validate with them and /api/openapi.json is
// generated from them (see openapi.ts).
import { z } from '@hono/zod-openapi';
import { DATA_TYPES } from '../../model/artifact';
import { FlowIdSchema, FlowSchema as FlowDocumentSchema } from '../../model/flow';

/** The model's schema is built before zod-openapi extends zod, so it is named through zod's own registry. */
export const FlowSchema = FlowDocumentSchema.meta({ id: 'Flow' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'machine-readable, e.g. invalid_body, not_found, revision_conflict' }),
      message: z.string().openapi({ description: 'names the field or the thing that was not found' }),
      details: z.unknown().optional().openapi({ description: 'e.g. { issues: [{ field, message }] } for invalid_body' }),
    }),
  })
  .openapi('Error');

// ---------- requests

export const RunTargetSchema = z.union([z.object({ to: z.string().min(1) }).strict(), z.object({ from: z.string().min(1) }).strict()]);

const giveFlow = { message: 'give flowId (a saved flow) or flow (a flow document)', path: ['flowId'] };

export const RunRequestSchema = z
  .object({
    flowId: FlowIdSchema.optional(),
    flow: FlowSchema.optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    target: RunTargetSchema.optional(),
  })
  .refine((body) => body.flowId || body.flow, giveFlow)
  .openapi('RunRequest');

/** POST /api/flows/validate: the flow is checked here, so a broken document still gets a list of issues. */
export const ValidateRequestSchema = z
  .object({
    flow: z.record(z.string(), z.unknown()),
    inputs: z.record(z.string(), z.unknown()).optional(),
    target: RunTargetSchema.optional(),
  })
  .strict();

export const BatchRequestSchema = z
  .object({
    flowId: FlowIdSchema.optional(),
    flow: FlowSchema.optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    sweep: z.record(z.string(), z.array(z.unknown()).min(1).max(256)),
    mode: z.enum(['product', 'zip']).default('product'),
  })
  .refine((body) => body.flowId || body.flow, giveFlow)
  .openapi('BatchRequest');

export const SaveTemplateSchema = z
  .object({ flowId: FlowIdSchema.optional(), flow: FlowSchema.optional(), name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional() })
  .refine((b) => b.flowId || b.flow, giveFlow);

export const MAX_ATTACH_RUNS = 200;
export const AttachRunsSchema = z
  .object({ runIds: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'a run id: 1–80 letters, digits, "_", "." or "-"')).min(1).max(MAX_ATTACH_RUNS) })
  .strict();

// ---------- responses

export const ArtifactSchema = z
  .object({
    artifact: z.string().regex(/^[0-9a-f]{64}$/),
    url: z.string(),
    mediaType: z.string(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
  })
  .openapi('Artifact');

export const PortSpecSchema = z
  .object({ type: z.enum(DATA_TYPES as [string, ...string[]]), title: z.string().optional(), description: z.string().optional(), optional: z.boolean().optional(), default: z.unknown().optional() })
  .openapi('PortSpec');

export const CatalogEntrySchema = z
  .object({
    type: z.string(),
    title: z.string(),
    category: z.string(),
    description: z.string(),
    version: z.number(),
    inputs: z.record(z.string(), PortSpecSchema),
    outputs: z.record(z.string(), PortSpecSchema),
    params: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema of the params' }),
    deterministic: z.union([z.boolean(), z.literal('params')]),
  })
  .openapi('CatalogEntry');

export const ProviderStatusSchema = z
  .object({ id: z.string(), title: z.string(), configured: z.boolean(), via: z.array(z.string()).optional(), missing: z.array(z.string()).optional(), baseUrl: z.string().optional() })
  .openapi('ProviderStatus');

export const WorkerInfoSchema = z
  .object({ id: z.string(), host: z.string(), pid: z.number().int(), concurrency: z.number().int(), runs: z.array(z.string()), startedAt: z.string(), lastHeartbeat: z.string() })
  .openapi('WorkerInfo');

export const FlowSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    revision: z.number().int(),
    description: z.string().optional(),
    updatedAt: z.string(),
    nodeCount: z.number().int(),
    error: z.string().optional().openapi({ description: 'set when the file is not a valid flow document' }),
  })
  .openapi('FlowSummary');

export const SavedFlowSchema = z.object({ id: z.string(), revision: z.number().int() }).openapi('SavedFlow');
export const DeletedFlowSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export const ValidationIssueSchema = z
  .object({ nodeId: z.string().optional(), field: z.string().optional(), code: z.string(), message: z.string() })
  .openapi('ValidationIssue');
export const ValidateResultSchema = z.object({ ok: z.boolean(), issues: z.array(ValidationIssueSchema) });

export const RunStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);

/** A port or flow output value: a plain value, or an artifact handle for images, masks and 3D models. */
const OutputsSchema = z.record(z.string(), z.unknown()).openapi({ description: 'name → value or Artifact' });

export const NodeRecordSchema = z
  .object({
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
    cached: z.boolean(),
    backend: z.string().optional(),
    durationMs: z.number().optional(),
    error: z.string().optional(),
    outputs: OutputsSchema,
    meta: z.record(z.string(), z.unknown()).optional(),
    sharedWith: z.string().optional(),
  })
  .openapi('NodeRecord');

export const RunRecordSchema = z
  .object({
    id: z.string(),
    flowId: z.string().optional(),
    status: RunStatusSchema,
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    outputs: OutputsSchema,
    nodes: z.record(z.string(), NodeRecordSchema),
    error: z.string().optional(),
    costUsd: z.number().nullable().optional(),
    lastSeq: z.number().int().optional().openapi({ description: 'GET /api/runs/{id}: subscribe with since=lastSeq to continue live' }),
  })
  .openapi('RunRecord');

export const RunSummarySchema = z
  .object({ id: z.string(), flowId: z.string().optional(), status: RunStatusSchema, startedAt: z.string(), finishedAt: z.string().optional() })
  .openapi('RunSummary');

export const RunStartedSchema = z.object({ runId: z.string() });
export const StatusSchema = z.object({ id: z.string(), status: z.string() });
export const AttachedRunsSchema = z.object({ attached: z.array(z.string()) });

export const GalleryEntrySchema = z
  .object({
    id: z.number().int(),
    artifact: ArtifactSchema,
    thumbnailUrl: z.string(),
    fileName: z.string(),
    prompt: z.string().optional(),
    provider: z.string().optional(),
    model: z.string().optional(),
    text: z.string().optional(),
    parent: z.string().optional(),
    runId: z.string().optional(),
    nodeId: z.string().optional(),
    createdAt: z.string(),
  })
  .openapi('GalleryEntry');

const BatchStatusSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
const batchFields = {
  id: z.string(),
  flowId: z.string().optional(),
  status: BatchStatusSchema,
  mode: z.enum(['product', 'zip']),
  axes: z.array(z.object({ name: z.string(), values: z.array(z.unknown()) })),
  inputs: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  costUsd: z.number().nullable().optional(),
};
export const BatchRunSchema = z.object({
  runId: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  sweep: z.record(z.string(), z.unknown()),
  status: RunStatusSchema,
  outputs: OutputsSchema,
  costUsd: z.number().nullable().optional(),
});
export const BatchSchema = z.object({ ...batchFields, runs: z.array(BatchRunSchema) }).openapi('Batch');
export const BatchSummarySchema = z.object({ ...batchFields, runCount: z.number().int() }).openapi('BatchSummary');
export const BatchStartedSchema = z.object({ batchId: z.string(), runIds: z.array(z.string()) });

export const EmbeddedFlowSchema = z.object({
  flow: FlowSchema,
  inputs: z.record(z.string(), z.unknown()),
  runId: z.string().optional(),
  node: z.string().optional(),
  port: z.string().optional(),
});

export const TemplateSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    nodeCount: z.number().int(),
    inputs: z.array(z.string()),
    outputs: z.array(z.string()),
    previewUrl: z.string().nullable(),
  })
  .openapi('TemplateSummary');

export const AssetSchema = z.object({ name: z.string(), url: z.string(), bytes: z.number().int() }).openapi('Asset');
