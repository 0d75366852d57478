// Wire shapes of the runtime's HTTP API, as the editor uses them.
import type { DataType, PortSpec, Artifact } from '../../../nodes/api';
import type { RunRecord, RunEvent, RunStatus, NodeStatus } from '../../../runtime/engine/events';

export type { DataType, PortSpec, Artifact, RunRecord, RunEvent, RunStatus, NodeStatus };

/** A JSON Schema fragment as produced by zod's z.toJSONSchema, plus .meta() UI hints. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  title?: string;
  description?: string;
  multiline?: boolean;
  widget?: string;
  suggestions?: string[];
  [hint: string]: unknown;
}

export interface CatalogNode {
  type: string;
  title: string;
  category: string;
  description: string;
  version: number;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  params: JsonSchema;
  deterministic: boolean | 'params';
}

export interface CatalogResponse {
  nodes: CatalogNode[];
}

export interface FlowSummary {
  id: string;
  name: string;
  revision: number;
  description?: string;
  updatedAt?: string;
}

export interface RunSummary {
  id: string;
  flowId?: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
}

export interface ValidationIssue {
  nodeId?: string;
  field?: string;
  code: string;
  message: string;
}

export type RunTarget = { to: string } | { from: string };
