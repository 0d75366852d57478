// `atelier run X`: X is a flow file path or the id of a flow under flows/.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FlowSchema, MAX_FLOW_JSON_BYTES, type Flow } from '../../model/flow';
import { FILE_JSON_LIMITS, jsonProblem } from '../../model/json-limits';
import { FlowStore } from '../store/flows';
import { isPngPath, loadFlowFromPng } from './load-png-flow';
import { FileTooLarge, readAtMost } from './read-at-most';

export interface LoadedFlow {
  flow: Flow;
  flowId?: string;
  /** The folder whose assets/ sample files the flow reads. */
  flowsDir: string;
  /** Inputs that came with the flow (a PNG made by Atelier carries its run's inputs). */
  inputs?: Record<string, unknown>;
}

export function loadFlowArg(arg: string, defaultFlowsDir: string): LoadedFlow {
  if (isPngPath(arg)) return loadFlowFromPng(arg, defaultFlowsDir);
  if (arg.endsWith('.json') || existsSync(arg)) {
    const path = resolve(arg);
    if (!existsSync(path)) throw new Error(`no such flow file: ${arg}`);
    const size = statSync(path).size;
    const tooLarge = (shown: string) => new Error(`${arg} is ${shown} MiB; flow files are limited to ${MAX_FLOW_JSON_BYTES / 2 ** 20} MiB`);
    if (size > MAX_FLOW_JSON_BYTES) throw tooLarge((size / 2 ** 20).toFixed(1));
    let text: string;
    try {
      text = readAtMost(path, MAX_FLOW_JSON_BYTES).toString('utf8'); // a pipe says no size
    } catch (error) {
      if (error instanceof FileTooLarge) throw tooLarge(`over ${MAX_FLOW_JSON_BYTES / 2 ** 20}`);
      throw error;
    }
    const problem = jsonProblem(text, FILE_JSON_LIMITS);
    if (problem) throw new Error(`${arg} is not a flow Atelier can read: ${problem.field}: ${problem.message}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new Error(`${arg} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const parsed = FlowSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`${arg} is not an atelier.flow/1 document:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
    }
    const folder = dirname(path);
    const flowsDir = existsSync(join(folder, 'assets')) ? folder : resolve(defaultFlowsDir);
    const id = path.endsWith('.json') && folder === resolve(defaultFlowsDir) ? path.slice(folder.length + 1, -5) : undefined;
    return { flow: parsed.data, ...(id ? { flowId: id } : {}), flowsDir };
  }
  const store = new FlowStore(resolve(defaultFlowsDir));
  return { flow: store.get(arg), flowId: arg, flowsDir: resolve(defaultFlowsDir) };
}
