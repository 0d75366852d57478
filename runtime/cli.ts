// `atelier` — serve | run <flow.json|flowId> [--input name=value …] [--out DIR] | validate <flow.json|flowId>
import { resolve } from 'node:path';
import { createAtelier } from './atelier';
import { parseArgs, parseInputs } from './cli/args';
import { createEventPrinter } from './cli/event-printer';
import { loadFlowArg } from './cli/load-flow';
import { writeOutputs } from './cli/write-outputs';
import { resolveInputFiles } from './cli/input-files';
import { outputFileBytes } from './flow-png';
import { runSweep } from './cli/run-sweep';
import { formatCost } from './cost';
import { sweepOptions } from './cli/sweep';
import { NodeRegistry } from './engine/registry';
import { formatIssue, ValidationFailed } from './engine/run-manager';
import { checkFlow } from './engine/check-flow';
import { createCredentials } from './credentials';
import { builtinNodes } from '../nodes/index';
import { startServer } from './server/serve';
import { FlowStore } from './store/flows';

const USAGE = `atelier — visual node-graph runtime for AI image work

  atelier serve [--host 127.0.0.1] [--port 8787]        serve the editor and the HTTP API
  atelier run <flow.json|flowId|image.png> [--input name=value|name=@file]… [--out DIR] [--to NODE | --from NODE]
                                                         run a flow here, print each node event,
                                                         write its outputs to DIR (default ./out);
                                                         a PNG made by Atelier re-runs the flow it carries
      [--sweep name=1..8|name=@values.txt|name=a,b]… [--mode product|zip]
                                                         run once per combination: DIR/<n>-…/, index.json, grid.png
  atelier validate <flow.json|flowId|image.png>          list every problem of a flow

Environment: ATELIER_DATA (default ./data), ATELIER_FLOWS (default ./flows), ATELIER_HOST,
ATELIER_PORT, ATELIER_TOKEN, provider keys (see README.md).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flowsDir = process.env.ATELIER_FLOWS ?? 'flows';
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'serve') {
    const args = parseArgs(rest);
    const port = args.flags.get('port')?.at(-1);
    const server = await startServer({ host: args.flags.get('host')?.at(-1), port: port ? Number(port) : undefined, flowsDir });
    console.log(`Atelier is running at ${server.url}/  (data: ${server.atelier.store.dataDir})`);
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise<number>(() => {});
  }
  if (command === 'validate') {
    const [arg] = parseArgs(rest).positionals;
    if (!arg) throw new Error('usage: atelier validate <flow.json|flowId>');
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
  if (command === 'run') {
    const args = parseArgs(rest);
    const [arg] = args.positionals;
    if (!arg) throw new Error('usage: atelier run <flow.json|flowId> [--input name=value]… [--out DIR]');
    const loaded = loadFlowArg(arg, flowsDir);
    const to = args.flags.get('to')?.at(-1);
    const from = args.flags.get('from')?.at(-1);
    const atelier = createAtelier({ flowsDir: loaded.flowsDir });
    try {
      const given = await resolveInputFiles(parseInputs(args.flags.get('input') ?? []), atelier.store.artifacts);
      const sweeps = args.flags.get('sweep');
      if (sweeps) return await runSweep(atelier, sweepOptions(loaded, given, sweeps, args.flags, resolve(args.flags.get('out')?.at(-1) ?? 'out')));
      const runId = atelier.runs.start({
        flow: loaded.flow,
        flowId: loaded.flowId,
        inputs: { ...loaded.inputs, ...given },
        target: to ? { to } : from ? { from } : undefined,
      });
      atelier.runs.subscribe(runId, 0, createEventPrinter(process.stdout));
      const record = (await atelier.runs.wait(runId))!;
      const outDir = resolve(args.flags.get('out')?.at(-1) ?? 'out');
      const written = await writeOutputs(record, outDir, atelier.store.artifacts, (name, artifact, bytes) => outputFileBytes(atelier.store, record, name, artifact, bytes));
      for (const file of written) console.log(`wrote ${file}`);
      console.log(formatCost(record));
      if (record.status !== 'succeeded') {
        for (const [id, node] of Object.entries(record.nodes)) if (node.status === 'failed') console.error(`${id}: ${node.error}`);
        return 1;
      }
      return 0;
    } catch (error) {
      if (error instanceof ValidationFailed) {
        console.error(error.message);
        return 2;
      }
      throw error;
    } finally {
      await atelier.close();
    }
  }
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`atelier: ${error.message}`);
    process.exit(2);
  },
);
