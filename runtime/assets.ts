// Sample files shipped under flows/assets/: names only, so a flow cannot read outside that folder.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeInputError } from '../nodes/api';

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function readAsset(assetsDir: string, name: string): Promise<Buffer> {
  if (!ASSET_NAME.test(name) || name.includes('..')) {
    throw new NodeInputError(`asset must be a file name under flows/assets/, got ${JSON.stringify(name)}`, 'asset');
  }
  try {
    return await readFile(join(assetsDir, name));
  } catch {
    throw new NodeInputError(`asset "${name}" does not exist in flows/assets/`, 'asset');
  }
}
