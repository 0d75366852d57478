// Wire shapes of the runtime's HTTP API, as the editor uses them.
import type { DataType, PortSpec, Artifact } from '../../../model/artifact';
import type { RunRecord, RunEvent, RunStatus, NodeStatus } from '../../../model/events';
import type { RunTarget } from '../../../runtime/engine/plan';
import type { CatalogEntry } from '../../../runtime/engine/registry';
import type { ValidationIssue } from '../../../runtime/engine/validate';
import type { FlowSummary } from '../../../runtime/store/flows';
import type { RunSummary } from '../../../runtime/store/runs';

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

/** A catalog entry as GET /api/nodes serves it, with params typed as the JSON Schema the editor reads. */
export type CatalogNode = Omit<CatalogEntry, 'params'> & { params: JsonSchema };

export interface CatalogResponse {
  nodes: CatalogNode[];
}

export type { FlowSummary, RunSummary, ValidationIssue, RunTarget };
