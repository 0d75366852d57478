// Shared by the flow feature tests: JSON requests against a test server and the `atelier` CLI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Flow } from '../../model/flow';

const exec = promisify(execFile);

export function client(baseUrl: string) {
  const api = (path: string, init?: RequestInit) => fetch(baseUrl + path, init);
  const postJson = (path: string, body: unknown) =>
    api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const upload = async (bytes: Uint8Array, path = '/api/uploads') => {
    const res = await api(path, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
    return { status: res.status, body: await res.json() };
  };
  return { api, postJson, upload };
}

export async function atelierCli(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await exec('node_modules/.bin/tsx', ['runtime/cli.ts', ...args], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export const shippedFlow = (id: string): Flow => JSON.parse(readFileSync(`flows/${id}.json`, 'utf8'));

/** load a sample photo → resize to `width` (param input) → output "small"; the resize's image port is flow input "photo". */
export function resizeFlow(): Flow {
  return {
    format: 'atelier.flow/1',
    name: 'Resize a photo',
    revision: 0,
    inputs: { photo: { node: 'resize', port: 'image' }, width: { node: 'resize', param: 'width' } },
    outputs: { small: { node: 'resize', port: 'image' } },
    nodes: [{ id: 'resize', type: 'image.resize', position: { x: 0, y: 0 }, params: { width: 48 } }],
    edges: [],
  };
}
