// Each command's options, parsed by Node's util.parseArgs (strict: an unknown option is an error).
import { parseArgs, type ParseArgsConfig } from 'node:util';

const data = { type: 'string' } as const;

export const COMMAND_OPTIONS = {
  serve: { host: { type: 'string' }, port: { type: 'string' }, data, 'no-worker': { type: 'boolean' } },
  run: { input: { type: 'string', multiple: true }, out: { type: 'string' }, to: { type: 'string' }, from: { type: 'string' }, data, sweep: { type: 'string', multiple: true }, mode: { type: 'string' } },
  validate: {},
  gc: { days: { type: 'string' }, 'dry-run': { type: 'boolean' }, data },
} as const satisfies Record<string, ParseArgsConfig['options']>;

export type Command = keyof typeof COMMAND_OPTIONS;

export function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}

export function parseCommandArgs<C extends Command>(command: C, argv: string[]) {
  return parseArgs({ args: argv, options: COMMAND_OPTIONS[command], allowPositionals: true, strict: true });
}

/** Bad usage of a command: exit 2 with the message. */
export class UsageError extends Error {}

/** --input name=value pairs → { name: value } */
export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--input expects name=value, got "${pair}"`);
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return inputs;
}

/** A whole non-negative number from a flag or variable, or an error naming it. */
export function parseCount(value: string, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}
