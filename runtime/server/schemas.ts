// Request bodies, shared by the routes and /api/openapi.json.
import { z } from 'zod';
import { FlowIdSchema, FlowSchema } from '../../model/flow';

export const RunTargetSchema = z.union([
  z.object({ to: z.string().min(1) }).strict(),
  z.object({ from: z.string().min(1) }).strict(),
]);

export const RunRequestSchema = z
  .object({
    flowId: FlowIdSchema.optional(),
    flow: FlowSchema.optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    target: RunTargetSchema.optional(),
  })
  .refine((body) => body.flowId || body.flow, { message: 'give flowId (a saved flow) or flow (a flow document)', path: ['flowId'] });

/** POST /api/flows/validate: the flow is checked here, so a broken document still gets a list of issues. */
export const ValidateRequestSchema = z
  .object({
    flow: z.record(z.string(), z.unknown()),
    inputs: z.record(z.string(), z.unknown()).optional(),
    target: RunTargetSchema.optional(),
  })
  .strict();

export const ArtifactSchema = z.object({
  artifact: z.string().regex(/^[0-9a-f]{64}$/),
  url: z.string(),
  mediaType: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export { FlowSchema };
