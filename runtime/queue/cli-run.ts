// `atelier run` with ATELIER_REDIS_URL and no live server on the data dir: the run is enqueued and
// this process waits for it; an `atelier worker` executes it. The CLI takes no runs of its own
// (a short-lived process must not pick up other people's runs and abandon them when it exits).
import type { WorkerDirectory } from './run-service';

export function queueModeNotice(dataDir: string): string {
  return `[atelier] no server holds ${dataDir}; queue mode (ATELIER_REDIS_URL): the run is enqueued and executed by an \`atelier worker\`, this process waits for it`;
}

/** A line to print when no worker is alive to take the run (it then waits in the queue), else undefined. */
export async function noWorkerWarning(workers: WorkerDirectory | undefined, timeoutMs = 5_000): Promise<string | undefined> {
  if (!workers) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const listed = await Promise.race([workers.list(), timeout]);
    if (listed === 'timeout') return `[atelier] Redis did not answer in ${timeoutMs} ms: the run waits in the queue until Redis and a worker are up`;
    return listed.length === 0 ? '[atelier] no worker is running: the run waits in the queue until one starts (`atelier worker`)' : undefined;
  } catch (error) {
    return `[atelier] the workers cannot be listed (${(error as Error).message}): the run waits in the queue until one takes it`;
  } finally {
    clearTimeout(timer);
  }
}
