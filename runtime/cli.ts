// `atelier` — serve | run <flow.json|flowId> [--input name=value …] [--out DIR] | validate <flow.json|flowId> | gc
// Each command imports what it needs when it runs: `validate` never loads the server, the database or
// an image library, and nothing loads a provider SDK before a node calls it (bench/startup.ts).
import { isCommand, parseCommandArgs, parseCount, UsageError } from './cli/args';

const USAGE = `atelier — visual node-graph runtime for AI image work

  atelier serve [--host 127.0.0.1] [--port 8787] [--data DIR]
                                                         serve the editor and the HTTP API
  atelier run <flow.json|flowId|image.png> [--input name=value|name=@file]… [--out DIR]
              [--to NODE | --from NODE] [--data DIR]
                                                         run a flow, print each node event, write its
                                                         outputs to DIR (default ./out); a PNG made by
                                                         Atelier re-runs the flow it carries; on a data
                                                         dir a live server holds, the run goes to it
      [--sweep name=1..8|name=@values.txt|name=a,b]… [--mode product|zip]
                                                         run once per combination: DIR/<n>-…/,
                                                         index.json, grid.png
  atelier validate <flow.json|flowId|image.png>          list every problem of a flow
  atelier gc [--days N] [--dry-run] [--data DIR]         remove runs, events, batches and cache rows older
                                                         than N days and artifacts nothing references any more

Exit codes: 0 done; 1 the run failed (validate: the flow has problems); 2 invalid flow, bad usage,
or the data dir is held by another process.
Environment: ATELIER_DATA (default ./data), ATELIER_FLOWS (default ./flows), ATELIER_HOST,
ATELIER_PORT, ATELIER_TOKEN, ATELIER_RETENTION_DAYS, provider keys (see README.md).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = process.env;
  const flowsDir = env.ATELIER_FLOWS ?? 'flows';
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'worker') return (await import('./queue/worker-cli')).workerCommand(rest);
  if (!isCommand(command)) {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (command === 'serve') {
    const { values } = parseCommandArgs('serve', rest);
    const { startServer } = await import('./server/serve');
    const server = await startServer({
      host: values.host,
      port: values.port !== undefined ? parseCount(values.port, '--port', 65535) : undefined,
      dataDir: values.data,
      flowsDir,
      noWorker: values['no-worker'],
    });
    console.log(`Atelier is running at ${server.url}/  (data: ${server.atelier.store.dataDir})`);
    const stop = () =>
      server.close().then(
        () => process.exit(0),
        (error: Error) => {
          console.error(`[atelier] shutting down: ${error.message}`);
          process.exit(1);
        },
      );
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    return new Promise<number>(() => {});
  }
  if (command === 'validate') {
    const [arg] = parseCommandArgs('validate', rest).positionals;
    if (!arg) throw new UsageError('usage: atelier validate <flow.json|flowId|image.png>');
    return (await import('./cli/validate-command')).validateCommand(arg, flowsDir);
  }
  if (command === 'gc') {
    const { values } = parseCommandArgs('gc', rest);
    const { gcCommand } = await import('./cli/gc-command');
    return gcCommand({ dataDir: values.data ?? env.ATELIER_DATA ?? './data', flowsDir, days: values.days, dryRun: values['dry-run'] ?? false, env });
  }
  const { values, positionals } = parseCommandArgs('run', rest);
  const [arg] = positionals;
  if (!arg) throw new UsageError('usage: atelier run <flow.json|flowId> [--input name=value]… [--out DIR]');
  const [{ runCommand }, { loadFlowArg }] = await Promise.all([import('./cli/run-command'), import('./cli/load-flow')]);
  return runCommand({
    loaded: loadFlowArg(arg, flowsDir),
    dataDir: values.data ?? env.ATELIER_DATA ?? './data',
    inputs: values.input ?? [],
    outDir: values.out,
    to: values.to,
    from: values.from,
    sweeps: values.sweep,
    mode: values.mode,
    env,
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Bad usage, a held data dir, an unreadable flow: exit 2 with the reason (DataDirLocked names the pid and port).
    console.error(`atelier: ${error.message}`);
    process.exit(2);
  },
);
