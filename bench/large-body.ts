// A large request body: the event loop's longest stall while a real server (in this process) checks a
// 100,000-node flow posted to /api/flows/validate (~9 MB: limits, parse, schema, validation in turns of
// their own), beside the same steps done in one go.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonProblem } from '../model/json-limits';
import { FlowSchema } from '../model/flow';
import { startServer } from '../runtime/server/serve';
import { ValidateRequestSchema } from '../runtime/server/schemas';
import { longestStall } from './stall';
import { median, printTable } from './table';

const NODES = 100_000;

function bigFlowBody(): string {
  const nodes = Array.from({ length: NODES }, (_, i) => ({ id: `n${i}`, type: 'text.prompt', position: { x: i, y: 0 }, params: { text: `prompt ${i % 7}` } }));
  return JSON.stringify({ flow: { format: 'atelier.flow/1', name: 'big', revision: 0, inputs: {}, outputs: {}, nodes, edges: [] } });
}

export async function bench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const server = await startServer({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), port: 0, env: {}, log: () => {} });
  const body = bigFlowBody();
  const posted: number[] = [];
  const oneStep: number[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      posted.push(
        await longestStall(async () => {
          const answer = await fetch(`${server.url}/api/flows/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const result = (await answer.json()) as { ok: boolean };
          if (!result.ok) throw new Error('the benchmark flow is not valid');
        }),
      );
      oneStep.push(
        await longestStall(() => {
          if (jsonProblem(body)) throw new Error('the benchmark body passes the limits');
          const request = ValidateRequestSchema.parse(JSON.parse(body));
          server.atelier.runs.prepare({ flow: FlowSchema.parse(request.flow) });
        }),
      );
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = { largeFlowPostStallMs: median(posted), largeFlowPostOneStepMs: median(oneStep) };
  printTable(`Posting a ${NODES / 1000}k-node flow (${(body.length / 1e6).toFixed(1)} MB) to /api/flows/validate (longest event-loop stall, median of 3)`, [
    { name: 'the server checking it', value: result.largeFlowPostStallMs, unit: 'ms', baseline: { name: 'the same steps in one go', value: result.largeFlowPostOneStepMs }, target: '< ×0.6 (a step per turn)' },
  ]);
  return result;
}
