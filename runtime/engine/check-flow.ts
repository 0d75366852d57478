// `atelier validate`: a flow checked as a template — port-bound inputs count as supplied (their values
// are checked when a run gives them), every other problem is listed.
import type { Credentials } from '../../nodes/api';
import type { Flow } from '../../model/flow';
import { applyFlowInputs, withoutBoundPorts } from './flow-inputs';
import { planRun } from './plan';
import { expandSubflows, type SubflowSource } from './subflows';
import type { NodeRegistry } from './registry';
import { validateFlow, type ValidationIssue } from './validate';

export interface CheckFlowOptions {
  registry: NodeRegistry;
  credentials?: Credentials;
  flows?: SubflowSource;
  flowId?: string;
}

export function checkFlow(flow: Flow, options: CheckFlowOptions): ValidationIssue[] {
  const expanded = expandSubflows(flow, options.flows, options.flowId);
  if (expanded.issues.length) return expanded.issues;
  const applied = applyFlowInputs(expanded.flow, {}, options.registry, { get: () => undefined });
  const issues = applied.issues.filter((i) => !(i.code === 'missing_input' && i.field?.startsWith('inputs.')));
  const plan = planRun(applied.flow);
  const found = validateFlow(applied.flow, { registry: options.registry, credentials: options.credentials, nodesToRun: plan.nodes, index: plan.index });
  return [...issues, ...withoutBoundPorts(found, applied.boundPorts)];
}
