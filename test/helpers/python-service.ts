// Starts one of gpu-services/ (run as a module, `python -m sam2_service …`) with its test double on a
// free port, for tests over real HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { until } from './poll';
import { requireTool } from './require-tool';

export const PYTHON = '/usr/bin/python3';
/** Where the service packages live; modules run with this as the working directory. */
export const GPU_SERVICES_DIR = 'gpu-services';

/** Why the Python services cannot run here ('' when they can); the caller skips with this reason (with CI=true this throws instead). */
export function pythonMissing(testFile: string): string {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, PIL'], { encoding: 'utf8' });
  if (probe.status === 0) return '';
  const reason = `${PYTHON} cannot import numpy and PIL (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`;
  requireTool({ missing: reason, install: 'the Debian packages python3, python3-numpy and python3-pil', suite: testFile });
  return reason;
}

export interface PythonService {
  url: string;
  process: ChildProcess;
}

/** `python -m <module> <args>` from gpu-services/, e.g. startGpuService('SAM2', 'sam2_service', ['--model', 'double']). */
export function startGpuService(name: string, module: 'sam2_service' | 'lgm_service', args: string[]): Promise<PythonService> {
  return startPythonService(name, ['-m', module, '--port', '0', '--quiet', ...args], GPU_SERVICES_DIR);
}

/** Spawns the service and resolves with the URL it prints ("listening on http://…"), once /health says ready. */
export async function startPythonService(name: string, args: string[], cwd?: string): Promise<PythonService> {
  const child = spawn(PYTHON, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${name} service did not start: ${stderr}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} service exited with ${code}: ${stderr}`)));
  });
  await until(`${name} service ready at ${url}/health`, async () => (await (await fetch(`${url}/health`)).json()).ready === true, { timeoutMs: 5_000, intervalMs: 50 });
  return { url, process: child };
}
