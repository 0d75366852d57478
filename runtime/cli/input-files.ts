// `--input name=@path`: a file as a flow input. Images and 3D models are stored as artifacts and
// passed by hash; any other file is read as UTF-8 text. `@@…` is a literal value starting with "@".
import type { ArtifactStoreApi } from '../../nodes/api';
import { sniffMediaType } from '../store/sniff';
import { FileTooLarge, readAtMost } from './read-at-most';

export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

export async function resolveInputFiles(inputs: Record<string, string>, artifacts: Pick<ArtifactStoreApi, 'put'>): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) resolved[name] = await resolveInputValue(name, value, artifacts);
  return resolved;
}

export async function resolveInputValue(name: string, value: string, artifacts: Pick<ArtifactStoreApi, 'put'>): Promise<unknown> {
  if (value.startsWith('@@')) return value.slice(1);
  if (!value.startsWith('@')) return value;
  const bytes = await readInputFile(name, value.slice(1));
  if (sniffMediaType(bytes)) return (await artifacts.put(bytes)).artifact;
  return bytes.toString('utf8').replace(/\r?\n$/, '');
}

export async function readInputFile(name: string, path: string): Promise<Buffer> {
  if (!path) throw new Error(`--input ${name}=@…: give a file path after "@"`);
  try {
    return readAtMost(path, MAX_INPUT_FILE_BYTES);
  } catch (error) {
    if (error instanceof FileTooLarge) throw new Error(`--input ${name}=@${path}: files are limited to ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB`, { cause: error });
    throw new Error(`--input ${name}=@${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
}
