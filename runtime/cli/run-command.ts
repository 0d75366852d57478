// `atelier run`: here (holding the data dir's lock), or through the live server that holds it.
import { resolve } from 'node:path';
import { createAtelier } from '../atelier';
import { ValidationFailed } from '../engine/run-manager';
import type { RunTarget } from '../engine/plan';
import type { RunEvent, RunRecord } from '../../model/events';
import { StoreUnavailable } from '../store/errors';
import { acquireLock, type LockInfo } from '../store/lock';
import { serverHolding } from './server-holding';
import { assetsElsewhereNote } from './assets-elsewhere';
import { parseInputs } from './args';
import { createEventPrinter } from './event-printer';
import type { LoadedFlow } from './load-flow';
import { BUSY_WAIT_MS, RemoteError, RemoteRuns, serverUrl } from './remote-run';
import { writeOutputs } from './write-outputs';
import { resolveInputFiles } from './input-files';
import { runSweep } from './run-sweep';
import { sweepOptions } from './sweep';
import { formatCost } from '../cost';
import { outputFileBytes } from '../flow-png';
import { isArtifact, type Artifact } from '../../model/artifact';
import { noWorkerWarning, queueModeNotice } from '../queue/cli-run';

export interface RunCommand {
  loaded: LoadedFlow;
  dataDir: string;
  inputs: readonly string[];
  outDir?: string;
  to?: string;
  from?: string;
  /** --sweep name=values (a batch: one run per combination). */
  sweeps?: readonly string[];
  mode?: string;
  env: NodeJS.ProcessEnv;
}

type FileBytes = (name: string, artifact: Artifact, bytes: Buffer) => Uint8Array;

/** Exit code: 0 succeeded, 1 the run failed, 2 the flow is invalid. */
export async function runCommand(command: RunCommand): Promise<number> {
  const inputs = parseInputs(command.inputs);
  const target: RunTarget | undefined = command.to ? { to: command.to } : command.from ? { from: command.from } : undefined;
  const outDir = resolve(command.outDir ?? 'out');
  const holder = await serverHolding(command.dataDir);
  if (holder) {
    if (command.sweeps?.length) {
      throw new Error(`--sweep runs in this process, but the data dir is held by atelier serve (pid ${holder.pid}, port ${holder.port}): pass --data DIR, or POST /api/batches to that server`);
    }
    return runRemote(holder, command, inputs, target, outDir);
  }
  const lock = acquireLock(command.dataDir, 'run');
  const queueMode = Boolean(command.env.ATELIER_REDIS_URL);
  const atelier = createAtelier({ dataDir: command.dataDir, flowsDir: command.loaded.flowsDir, env: command.env, noWorker: queueMode });
  try {
    if (queueMode) await announceQueueRun(command.dataDir, atelier.workers);
    const given = await resolveInputFiles(inputs, atelier.store.artifacts);
    if (command.sweeps?.length) return await runSweep(atelier, sweepOptions(command.loaded, given, [...command.sweeps], command.mode, outDir));
    const runId = atelier.runs.start({ flow: command.loaded.flow, flowId: command.loaded.flowId, inputs: { ...command.loaded.inputs, ...given }, target });
    atelier.runs.subscribe(runId, 0, createEventPrinter(process.stdout));
    const record = (await atelier.runs.wait(runId))!; // resolves once the final state is committed
    return await finish(record, outDir, atelier.store.artifacts, (name, artifact, bytes) => outputFileBytes(atelier.store, atelier.registry, record, name, artifact, bytes));
  } catch (error) {
    if (error instanceof ValidationFailed) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof StoreUnavailable) {
      console.error(`atelier: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await atelier.close();
    lock.release();
  }
}

async function announceQueueRun(dataDir: string, workers: Parameters<typeof noWorkerWarning>[0]): Promise<void> {
  console.error(queueModeNotice(resolve(dataDir)));
  const warning = await noWorkerWarning(workers);
  if (warning) console.error(warning);
}

async function runRemote(holder: LockInfo, command: RunCommand, inputs: Record<string, string>, target: RunTarget | undefined, outDir: string): Promise<number> {
  const remote = new RemoteRuns(serverUrl(holder), command.env.ATELIER_TOKEN || undefined);
  console.error(`[atelier] the data dir is held by atelier serve (pid ${holder.pid}); running on it at ${remote.base}`);
  const elsewhere = assetsElsewhereNote(command.loaded.flow, command.loaded.flowsDir, holder.flowsDir);
  if (elsewhere) console.error(elsewhere);
  let runId: string;
  try {
    const given = await resolveInputFiles(inputs, { put: (bytes) => remote.upload(bytes) });
    let told = false;
    const busy = (message: string) => {
      if (!told) console.error(`[atelier] the server is busy: ${message}; waiting for room (up to ${BUSY_WAIT_MS / 60_000} min)`);
      told = true;
    };
    runId = await remote.start({ flow: command.loaded.flow, flowId: command.loaded.flowId, inputs: { ...command.loaded.inputs, ...given }, target }, busy);
  } catch (error) {
    if (error instanceof RemoteError && (error.code === 'invalid_flow' || error.code === 'limit_exceeded')) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof RemoteError && (error.code === 'store_unavailable' || error.code === 'too_many_runs')) {
      console.error(`atelier: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const print = createEventPrinter(process.stdout);
  // Ctrl+C cancels the run on the server (the events then end with run.finished cancelled).
  const cancel = () => {
    remote.cancel(runId).catch((error: Error) => console.error(`atelier: could not cancel run ${runId}: ${error.message}`));
  };
  process.once('SIGINT', cancel);
  try {
    await remote.follow(runId, (event: RunEvent) => print(event));
  } catch (error) {
    // The run may still end on the server: this process just cannot see it end.
    console.error(`atelier: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', cancel);
  }
  const record = await remote.record(runId);
  const files = new Map<string, Uint8Array>();
  for (const value of Object.values(record.outputs)) {
    if (isArtifact(value) && value.mediaType === 'image/png') files.set(value.artifact, await remote.download(value.artifact, runId));
  }
  return finish(record, outDir, remote.artifacts, (_name, artifact, bytes) => files.get(artifact.artifact) ?? bytes);
}

async function finish(record: RunRecord, outDir: string, artifacts: { read(artifact: { artifact: string } | string): Promise<Buffer> }, fileBytes?: FileBytes): Promise<number> {
  const written = await writeOutputs(record, outDir, artifacts, fileBytes);
  for (const file of written) console.log(`wrote ${file}`);
  console.log(formatCost(record));
  if (record.status === 'succeeded') return 0;
  for (const [id, node] of Object.entries(record.nodes)) if (node.status === 'failed') console.error(`${id}: ${node.error}`);
  if (record.error) console.error(`run ${record.id}: ${record.error}`);
  return 1;
}
