// The flow document (atelier.flow/1): one zod schema for runtime, CLI and editor.
import { z } from 'zod';
import { FLOW_FORMAT, MAX_ANNOTATIONS, MAX_GROUP_TITLE, MAX_NOTE_TEXT } from './flow-basics';

export { FLOW_FORMAT, isPortBinding, MAX_ANNOTATIONS, MAX_FLOW_JSON_BYTES, MAX_GROUP_TITLE, MAX_NOTE_TEXT, slugify, stringifyFlow } from './flow-basics';


export const FlowIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a flow id is 1–80 lowercase letters, digits and "-"');

/** Node ids, edge ids, port, param, input and output names: they become object keys and file-visible ids. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export const NameSchema = z
  .string()
  .regex(NAME_PATTERN, '1–64 letters, digits, "_", "." or "-"')
  .refine((name) => !RESERVED_NAMES.has(name), 'must not be __proto__, constructor or prototype');

/** Records keyed by names, rebuilt with a null prototype so no key can ever reach Object.prototype. */
const namedRecord = <T extends z.ZodType>(value: T) =>
  z.record(NameSchema, value).transform((record) => Object.assign(Object.create(null) as Record<string, z.output<T>>, record));

export const MAX_FLOW_NODES = 100_000;
export const MAX_FLOW_EDGES = 200_000;

export const FlowNodeSchema = z.object({
  id: NameSchema,
  type: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a node type such as "image.resize" or "flow:<flowId>"'),
  position: z.object({ x: z.number(), y: z.number() }),
  params: namedRecord(z.unknown()).prefault({}),
  /** Reuse the last output of a non-deterministic node instead of calling it again. */
  pinned: z.boolean().optional(),
  label: z.string().max(200).optional(),
});

export const FlowEdgeSchema = z.object({
  id: NameSchema,
  source: NameSchema,
  sourceHandle: NameSchema,
  target: NameSchema,
  targetHandle: NameSchema,
});

export const FlowParamBindingSchema = z.object({ node: NameSchema, param: NameSchema });
/** Binds an unconnected input port: callers pass its value (an artifact hash or handle for image/mask/model3d). */
export const FlowPortBindingSchema = z.object({ node: NameSchema, port: NameSchema });
export const FlowInputBindingSchema = z.union([FlowParamBindingSchema, FlowPortBindingSchema]);
export const FlowOutputBindingSchema = z.object({ node: NameSchema, port: NameSchema });


/** A group (titled frame) or sticky note on the canvas: the editor's alone; the engine ignores it. */
export const FlowAnnotationSchema = z.object({
  id: NameSchema,
  kind: z.enum(['group', 'note']),
  position: z.object({ x: z.number(), y: z.number() }),
  size: z.object({ width: z.number().positive().max(100_000), height: z.number().positive().max(100_000) }),
  title: z.string().max(MAX_GROUP_TITLE).optional(),
  text: z.string().max(MAX_NOTE_TEXT).optional(),
  /** A CSS colour: a hex value such as "#fde68a". */
  color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/, 'a hex colour such as "#fde68a"').optional(),
});

export const FlowSchema = z.object({
  format: z.literal(FLOW_FORMAT),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  /** Listed by GET /api/templates ("New from template"). */
  template: z.boolean().optional(),
  /** A shipped thumbnail for the template list: a file name under flows/assets/. */
  preview: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name under flows/assets/').optional(),
  revision: z.number().int().min(0).default(0),
  inputs: namedRecord(FlowInputBindingSchema).prefault({}),
  outputs: namedRecord(FlowOutputBindingSchema).prefault({}),
  nodes: z.array(FlowNodeSchema).max(MAX_FLOW_NODES),
  edges: z.array(FlowEdgeSchema).max(MAX_FLOW_EDGES).default([]),
  /** Groups and sticky notes (editor only; `atelier.flow/1` files without them load as before). */
  annotations: z.array(FlowAnnotationSchema).max(MAX_ANNOTATIONS).optional(),
});

export type Flow = z.infer<typeof FlowSchema>;
export type FlowNode = z.infer<typeof FlowNodeSchema>;
export type FlowEdge = z.infer<typeof FlowEdgeSchema>;
export type FlowAnnotation = z.infer<typeof FlowAnnotationSchema>;
export type FlowInputBinding = z.infer<typeof FlowInputBindingSchema>;
export type FlowPortBinding = z.infer<typeof FlowPortBindingSchema>;



