// `atelier validate <flow.json|flowId|image.png>`: every problem of a flow, without the data dir —
// it opens no database and loads no provider SDK, image library or server.
import { resolve } from 'node:path';
import { builtinNodes } from '../../nodes/index';
import { createCredentials } from '../credentials';
import { checkFlow } from '../engine/check-flow';
import { NodeRegistry } from '../engine/registry';
import { formatIssue } from '../engine/run-manager';
import { FlowStore } from '../store/flows';
import { loadFlowArg } from './load-flow';

export function validateCommand(arg: string, flowsDir: string): number {
  const { flow, flowId } = loadFlowArg(arg, flowsDir);
  const registry = new NodeRegistry(builtinNodes);
  const issues = checkFlow(flow, { registry, credentials: createCredentials(), flows: new FlowStore(resolve(flowsDir)), flowId });
  if (issues.length === 0) {
    console.log(`${arg}: valid (${flow.nodes.length} nodes, ${flow.edges.length} edges)`);
    return 0;
  }
  console.log(`${arg}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`);
  for (const issue of issues) console.log(formatIssue(issue));
  return 1;
}
