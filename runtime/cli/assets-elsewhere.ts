// `atelier run` sends a run to the live server holding the data dir, and that server reads sample files
// from its own flows/assets/. When that is another folder than the one a local run of this flow reads
// (the flow file's own assets/), the run may load other files or none: say so before it starts.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow } from '../../model/flow';

/** The note to print, or undefined when the server reads this flow's sample files from the same folder. */
export function assetsElsewhereNote(flow: Flow, localFlowsDir: string, serverFlowsDir: string | undefined): string | undefined {
  if (serverFlowsDir === undefined || sameFolder(localFlowsDir, serverFlowsDir)) return undefined;
  const localAssets = join(localFlowsDir, 'assets');
  if (!existsSync(localAssets)) return undefined;
  const files = new Set(readdirSync(localAssets));
  const named = new Set<string>();
  for (const node of flow.nodes) {
    for (const value of Object.values(node.params ?? {})) if (typeof value === 'string' && files.has(value)) named.add(value);
  }
  if (named.size === 0) return undefined;
  return (
    `[atelier] this flow reads ${[...named].map((name) => `"${name}"`).join(', ')} from ${localAssets}/ when run here, ` +
    `but the server holding the data dir reads sample files from ${join(serverFlowsDir, 'assets')}/ (pass --data DIR to run it here)`
  );
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}
