// `atelier run cat.png` / `atelier validate cat.png`: the flow (and inputs) an Atelier PNG carries.
import { resolve } from 'node:path';
import { MAX_FLOW_CHUNK_BYTES } from '../../model/png-meta';
import { flowFromPng } from '../flow-png';
import { FileTooLarge, readAtMost } from './read-at-most';
import type { LoadedFlow } from './load-flow';

/** The image around a flow chunk of the largest size a PNG may carry, with room for its pixels. */
const MAX_PNG_BYTES = 2 * MAX_FLOW_CHUNK_BYTES;

export function isPngPath(arg: string): boolean {
  return /\.png$/i.test(arg);
}

export function loadFlowFromPng(arg: string, defaultFlowsDir: string): LoadedFlow & { inputs: Record<string, unknown> } {
  let bytes: Buffer;
  try {
    bytes = readAtMost(arg, MAX_PNG_BYTES);
  } catch (error) {
    if (error instanceof FileTooLarge) throw new Error(`${arg}: images are limited to ${MAX_PNG_BYTES / 2 ** 20} MiB`, { cause: error });
    throw new Error(`cannot read ${arg}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  try {
    const embedded = flowFromPng(bytes);
    return { flow: embedded.flow, inputs: embedded.inputs, flowsDir: resolve(defaultFlowsDir) };
  } catch (error) {
    throw new Error(`${arg}: ${(error as Error).message}`, { cause: error });
  }
}
