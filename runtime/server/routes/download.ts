// GET /api/artifacts/:hash?download=1[&run=<runId>]: the artifact as an attachment; with `run`, a PNG
// carries that run's flow (iTXt atelier.flow). The plain artifact URL keeps serving the exact bytes.
import type { Context } from 'hono';
import type { Artifact } from '../../../model/artifact';
import type { Atelier } from '../../atelier';
import { downloadWithFlow } from '../../flow-png';
import { extensionFor } from '../../store/sniff';
import { ApiError } from '../errors';

const RUN_ID = /^[A-Za-z0-9-]{1,80}$/;

export async function downloadArtifact(c: Context, atelier: Atelier, artifact: Artifact): Promise<Response> {
  const runId = c.req.query('run');
  const fileName = `${artifact.artifact.slice(0, 16)}.${extensionFor(artifact.mediaType)}`;
  let bytes: Uint8Array;
  if (runId === undefined || runId === '') bytes = await atelier.store.artifacts.read(artifact);
  else {
    if (!RUN_ID.test(runId)) throw new ApiError(400, 'invalid_query', 'run: a run id (letters, digits and "-")');
    const withFlow = await downloadWithFlow(atelier.store, artifact.artifact, runId);
    if (!withFlow) throw new ApiError(404, 'not_found', `run "${runId}" did not produce artifact ${artifact.artifact}`);
    bytes = withFlow;
  }
  return c.body(new Uint8Array(bytes), 200, {
    'content-type': artifact.mediaType,
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'private, no-cache',
  });
}
