// Many saved flows: GET /api/flows on a real server (in this process) over 10,000 flow files, beside
// reading and validating every file (what each listing did before unchanged files were kept), and
// GET /api/templates, which looks at every flow for its template flag.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowStore } from '../runtime/store/flows';
import { startServer } from '../runtime/server/serve';
import { median, printTable } from './table';

const FLOWS = 10_000;

export async function bench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const flowsDir = join(dir, 'flows');
  mkdirSync(flowsDir);
  const sample = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8')) as Record<string, unknown>;
  const past = new Date(Date.now() - 60_000);
  for (let i = 0; i < FLOWS; i++) {
    const path = join(flowsDir, `flow-${i}.json`);
    writeFileSync(path, JSON.stringify({ ...sample, name: `flow ${i}`, template: i % 100 === 0 }));
    utimesSync(path, past, past); // saved a while ago, as most of a user's flows were
  }
  const server = await startServer({ dataDir: join(dir, 'data'), flowsDir, port: 0, env: {}, log: () => {} });
  const listed: number[] = [];
  const templates: number[] = [];
  const everyFile: number[] = [];
  const timeMs = async (fn: () => unknown) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  try {
    const get = async (path: string, count: number) => {
      const answer = await fetch(`${server.url}${path}`);
      const body = (await answer.json()) as unknown[];
      if (body.length !== count) throw new Error(`${path} listed ${body.length}, expected ${count}`);
    };
    await get('/api/flows', FLOWS); // the first listing reads every file
    for (let round = 0; round < 5; round++) {
      listed.push(await timeMs(() => get('/api/flows', FLOWS)));
      templates.push(await timeMs(() => get('/api/templates', FLOWS / 100)));
      everyFile.push(await timeMs(() => new FlowStore(flowsDir).list()));
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = { flowList10kMs: median(listed), flowList10kReadAllMs: median(everyFile), templateList10kMs: median(templates) };
  printTable(`${FLOWS / 1000}k saved flows (median of 5)`, [
    { name: 'GET /api/flows', value: result.flowList10kMs, unit: 'ms', baseline: { name: 'reading every file', value: result.flowList10kReadAllMs }, target: '< ×0.3 (unchanged files not read)' },
    { name: 'GET /api/templates', value: result.templateList10kMs, unit: 'ms', baseline: { name: 'reading every file', value: result.flowList10kReadAllMs }, target: '< ×0.5' },
  ]);
  return result;
}
