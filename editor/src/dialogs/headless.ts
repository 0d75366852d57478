// The exact commands that run a saved flow headless: curl against the HTTP API and the CLI.
import type { Flow } from '../../../model/flow';

/** Quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_\-./=:@,+]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Each flow input's current value in the flow (the param it is bound to). */
export function currentInputValues(flow: Flow): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, binding] of Object.entries(flow.inputs)) {
    const node = flow.nodes.find((n) => n.id === binding.node);
    values[name] = 'param' in binding ? (node?.params[binding.param] ?? '') : '';
  }
  return values;
}

export function curlCommand(origin: string, flowId: string, inputs: Record<string, unknown>, withToken = false): string {
  const body = JSON.stringify({ flowId, inputs });
  const auth = withToken ? ` -H "authorization: Bearer $ATELIER_TOKEN"` : '';
  return `curl -s -X POST ${origin}/api/runs?wait=1 -H 'content-type: application/json'${auth} -d '${body.replace(/'/g, `'\\''`)}'`;
}

export function cliCommand(flowId: string, inputs: Record<string, unknown>): string {
  const args = Object.entries(inputs).map(([name, value]) => ` --input ${shellQuote(`${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)}`);
  return `npx atelier run flows/${flowId}.json${args.join('')} --out out/`;
}
