// DESIGN.md: "Kill the server at any moment: no flow file is torn, no finished artifact is lost,
// unfinished runs are marked interrupted." A real `atelier serve` process, killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'atelier-kill-'));
const flowsDir = join(root, 'flows');
cpSync('flows', flowsDir, { recursive: true });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function serve(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/atelier.js', 'serve', '--port', '0'], {
    env: { ...process.env, ATELIER_DATA: join(root, 'data'), ATELIER_FLOWS: flowsDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`atelier serve exited with ${code}: ${out}`)));
  });
  return { url, child };
}

describe('killing the server', () => {
  it('marks the unfinished run interrupted and keeps finished artifacts', async () => {
    const first = await serve();
    const done = await (await fetch(`${first.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'local-image-pipeline' }) })).json();
    expect(done.status).toBe('succeeded');
    const { runId } = await (await fetch(`${first.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'segment-to-3d' }) })).json();
    for (let i = 0; i < 200; i++) {
      const record = await (await fetch(`${first.url}/api/runs/${runId}`)).json();
      if (record.nodes.segment?.status === 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50)); // let the write batch that records "running" land
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve();
    const record = await (await fetch(`${second.url}/api/runs/${runId}`)).json();
    expect(record.status).toBe('interrupted');
    expect(record.finishedAt).toBeDefined();
    const cutout = done.outputs.cutout;
    const bytes = Buffer.from(await (await fetch(`${second.url}${cutout.url}`)).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(cutout.artifact);
    const flows = await (await fetch(`${second.url}/api/flows`)).json();
    expect(flows.every((f: { error?: string }) => !f.error)).toBe(true);
    second.child.kill('SIGTERM');
  });
});
