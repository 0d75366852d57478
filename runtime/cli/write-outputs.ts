// Writes a run's flow outputs into a folder: artifacts as files, other values as JSON or text, and the
// run record as run.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isArtifact, type Artifact, type ArtifactStoreApi } from '../../nodes/api';
import type { RunRecord } from '../../model/events';
import { extensionFor } from '../store/sniff';

/** `fileBytes` turns stored bytes into the file's (e.g. a PNG with its flow embedded). */
export async function writeOutputs(
  record: RunRecord,
  dir: string,
  artifacts: Pick<ArtifactStoreApi, 'read'>,
  fileBytes: (name: string, artifact: Artifact, bytes: Buffer) => Uint8Array = (_n, _a, bytes) => bytes,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, value] of Object.entries(record.outputs)) {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
    let file: string;
    if (isArtifact(value)) {
      file = join(dir, `${safe}.${extensionFor(value.mediaType)}`);
      writeFileSync(file, fileBytes(name, value, await artifacts.read(value)));
    } else if (typeof value === 'string') {
      file = join(dir, `${safe}.txt`);
      writeFileSync(file, value);
    } else {
      // run.json holds the run record: an output named "run" would be overwritten by it.
      file = join(dir, safe === 'run' ? 'run.output.json' : `${safe}.json`);
      writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
    }
    written.push(file);
  }
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  return written;
}
