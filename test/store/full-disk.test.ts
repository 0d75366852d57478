// A real full disk: the data dir on a 4 MiB tmpfs filled to the brim. Runs fail with
// store_unavailable, the server keeps answering, and runs succeed again once space is freed.
// Mounting needs root; where mount is refused (EPERM) the test skips saying so, and under CI=true fails.
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require-tool';
import { startTestServer, type TestServer } from '../helpers/server';

const mountPoint = mkdtempSync(join(tmpdir(), 'atelier-tinyfs-'));
const unavailable = tryMount();
requireTool({ missing: unavailable ? `mount -t tmpfs was refused (${unavailable})` : '', install: 'nothing: run the suite as root, so it may mount a tmpfs', suite: 'test/store/full-disk.test.ts' });

function tryMount(): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message);
    const refused = /permission denied|not permitted|must be superuser|EPERM|only root/i.test(stderr);
    if (!refused) throw new Error(`mounting a tmpfs for the full-disk test failed: ${stderr}`, { cause: error });
    return stderr.trim();
  }
}

let server: TestServer | undefined;
afterAll(async () => {
  await server?.close();
  if (!unavailable) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes zeros until the filesystem is full; returns the file to delete to free the space again. */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

async function runWait(url: string, width: number) {
  const answer = await fetch(`${url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'local-image-pipeline', inputs: { width } }) });
  return { status: answer.status, body: await answer.json() };
}

describe('a full disk', () => {
  it.skipIf(unavailable !== undefined)('fails runs with store_unavailable, never the process, and recovers when space is freed', async () => {
    const flowsDir = mkdtempSync(join(tmpdir(), 'atelier-tinyfs-flows-'));
    cpSync('flows', flowsDir, { recursive: true });
    server = await startTestServer({ dataDir: join(mountPoint, 'data'), flowsDir });
    expect((await runWait(server.url, 64)).body.status).toBe('succeeded');

    const filler = fillDisk(mountPoint);
    const failed = await runWait(server.url, 96); // new artifacts and events: nowhere to put them
    expect([200, 503]).toContain(failed.status);
    const text = JSON.stringify(failed.body);
    expect(text).toMatch(/store_unavailable/);
    expect(text).toMatch(/ENOSPC|SQLITE_FULL/);
    if (failed.status === 200) expect(failed.body.status).toBe('failed');
    expect((await fetch(`${server.url}/api/nodes`)).status).toBe(200);

    rmSync(filler);
    const again = await runWait(server.url, 112);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('succeeded');
    expect((await fetch(`${server.url}/api/runs`)).status).toBe(200);
    rmSync(flowsDir, { recursive: true, force: true });
  });
});
