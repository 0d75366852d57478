// `atelier run cat.png` / `atelier validate cat.png`: the flow (and inputs) an Atelier PNG carries.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flowFromPng } from '../flow-png';
import type { LoadedFlow } from './load-flow';

export function isPngPath(arg: string): boolean {
  return /\.png$/i.test(arg);
}

export function loadFlowFromPng(arg: string, defaultFlowsDir: string): LoadedFlow & { inputs: Record<string, unknown> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(arg);
  } catch (error) {
    throw new Error(`cannot read ${arg}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  try {
    const embedded = flowFromPng(bytes);
    return { flow: embedded.flow, inputs: embedded.inputs, flowsDir: resolve(defaultFlowsDir) };
  } catch (error) {
    throw new Error(`${arg}: ${(error as Error).message}`, { cause: error });
  }
}
