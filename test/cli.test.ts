import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { NodeRegistry } from '../runtime/engine/registry';
import { openStore } from '../runtime/store';
import { acquireLock } from '../runtime/store/lock';
import { MAX_FLOW_JSON_BYTES } from '../model/flow';
import { buildFlow } from './helpers/flow-builder';

const exec = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function atelier(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/atelier.js', ...args], {
      env: { ...process.env, ATELIER_DATA: join(dir, 'data'), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('atelier CLI', () => {
  it('runs the example flow, prints a line per node event and writes its outputs', async () => {
    const out = join(dir, 'o1');
    const { code, stdout } = await atelier(['run', 'flows/local-image-pipeline.json', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/load: running\n\s+load: done in [\d.]+ ms/);
    expect(stdout).toMatch(/run \S+ succeeded/);
    const cutout = await sharp(readFileSync(join(out, 'cutout.png'))).metadata();
    expect(cutout).toMatchObject({ format: 'png', width: 256, channels: 4 });
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status).toBe('succeeded');
  });

  it('re-runs nothing in a fresh process on the same data dir, and takes --input', async () => {
    const again = await atelier(['run', 'local-image-pipeline', '--out', join(dir, 'o2')]);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/: cached/g)).toHaveLength(6);
    const resized = await atelier(['run', 'local-image-pipeline', '--input', 'width=64', '--out', join(dir, 'o3')]);
    expect(resized.code).toBe(0);
    expect((await sharp(join(dir, 'o3', 'resized.png')).metadata()).width).toBe(64);
  });

  it('validates a flow and lists every problem', async () => {
    const flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    flow.nodes[1].params.width = 0;
    flow.edges.push({ id: 'bad', source: 'mask', sourceHandle: 'mask', target: 'crop', targetHandle: 'image' });
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(flow));
    const { code, stdout } = await atelier(['validate', file]);
    expect(code).toBe(1);
    expect(stdout).toContain('crop › width');
    expect(stdout).toContain('[type_mismatch]');
    expect(stdout).toContain('[cycle]');
    expect((await atelier(['validate', 'flows/local-image-pipeline.json'])).stdout).toContain('valid');
  });

  it('refuses a flow file nested too deep for its consumers, naming where, with exit 2', async () => {
    const flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    flow.nodes[0].params.extra = deep;
    const file = join(dir, 'deep.json');
    writeFileSync(file, JSON.stringify(flow));
    for (const command of [['run', file, '--out', join(dir, 'deep-out')], ['validate', file]]) {
      const { code, stderr } = await atelier(command);
      expect(code).toBe(2);
      expect(stderr).toMatch(/deep\.json is not a flow Atelier can read: nodes\.0\.params\.extra\.0\.0.*: nested deeper than 64 levels/);
    }
  });

  it('refuses a flow file over the size limit without reading it, with exit 2', async () => {
    const file = join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, MAX_FLOW_JSON_BYTES + 1024 * 1024); // zeros: "not JSON" if it were read
    for (const command of [['run', file, '--out', join(dir, 'huge-out')], ['validate', file]]) {
      const { code, stderr } = await atelier(command);
      expect(code).toBe(2);
      expect(stderr).toContain('huge.json is 65.0 MiB; flow files are limited to 64 MiB');
    }
  });

  it('exits non-zero when the run fails or the flow is invalid', async () => {
    const flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    flow.nodes[0].params.asset = 'missing.png';
    const file = join(dir, 'fails.json');
    writeFileSync(file, JSON.stringify(flow));
    const failed = await atelier(['run', file, '--out', join(dir, 'o4')]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('load: FAILED: asset "missing.png" does not exist in flows/assets/');
    expect(failed.stdout).toContain('crop: skipped (upstream node load failed)');
    const invalid = await atelier(['run', 'flows/local-image-pipeline.json', '--input', 'nope=1']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('this flow has no input "nope"');
    expect(existsSync(join(dir, 'o5'))).toBe(false);
  });
});

describe('atelier CLI options', () => {
  it('refuses an unknown option or a bad value with exit code 2, naming it', async () => {
    const unknown = await atelier(['run', 'local-image-pipeline', '--ouput', join(dir, 'typo')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("'--ouput'");
    const port = await atelier(['serve', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number');
    expect((await atelier(['frobnicate'])).code).toBe(2);
    expect((await atelier(['help'])).code).toBe(0);
  }, 120_000);
});

describe('one process per data dir', () => {
  let server: ChildProcess | undefined;
  afterAll(() => server?.kill('SIGKILL'));

  it('refuses a second server (exit 2, naming pid and port) and sends `atelier run` and `atelier gc` to the live one', async () => {
    const dataDir = join(dir, 'served');
    server = spawn(process.execPath, ['bin/atelier.js', 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (chunk) => {
        out += chunk;
        const match = /running at (http:\/\/\S+?)\/?\s/.exec(out);
        if (match) resolve(match[1]);
      });
      server!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const port = new URL(url).port;

    // The compiled server takes the built-in nodes' params JSON Schema from dist/params-schemas.json:
    // it serves exactly what the sources compute.
    const served = (await (await fetch(`${url}/api/nodes`)).json()) as Array<{ type: string }>;
    const builtin = served.filter((entry) => !entry.type.startsWith('flow:'));
    expect(builtin).toEqual(JSON.parse(JSON.stringify(new NodeRegistry(builtinNodes).catalog())));

    const second = await atelier(['serve', '--port', '0', '--data', dataDir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${server.pid} on port ${port}`);

    const out = join(dir, 'remote-out');
    const run = await atelier(['run', 'local-image-pipeline', '--input', 'width=48', '--out', out, '--data', dataDir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`running on it at ${url}`);
    expect(run.stderr).not.toContain('reads sample files from'); // the server reads this flow's assets from the same folder
    expect(run.stdout).toMatch(/load: running\n\s+load: (done in [\d.]+ ms|cached)/);
    const runId = /run (\S+) succeeded/.exec(run.stdout)![1];
    // The server ran it: it is in the server's history, and the files came from the server's artifacts.
    const runs = (await (await fetch(`${url}/api/runs`)).json()) as Array<{ id: string }>;
    expect(runs.map((r) => r.id)).toContain(runId);
    expect((await sharp(join(out, 'resized.png')).metadata()).width).toBe(48);

    // `atelier gc` goes to the live server too: what it would remove, then removing it, on the server's store.
    const dry = await atelier(['gc', '--days', '0', '--dry-run', '--data', dataDir]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`running gc on it at ${url}`);
    expect(dry.stdout).toMatch(/would remove: 1 run\(s\), \d+ event\(s\)/);
    expect(dry.stdout).toMatch(/would free: \d+ bytes/);
    expect(((await (await fetch(`${url}/api/runs`)).json()) as unknown[]).length).toBe(1);
    const gc = await atelier(['gc', '--days', '0', '--data', dataDir]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed: 1 run\(s\)/);
    expect(await (await fetch(`${url}/api/runs`)).json()).toEqual([]);
    expect((await fetch(`${url}/api/runs/${runId}`)).status).toBe(404);

    // A flow file beside its own assets/ reads them when run here; the server reads its own folder: said first.
    const project = join(dir, 'project');
    mkdirSync(join(project, 'assets'), { recursive: true });
    copyFileSync('flows/assets/astronaut.png', join(project, 'assets', 'photo.png'));
    const flowFile = join(project, 'photo.json');
    writeFileSync(flowFile, JSON.stringify(buildFlow([['load', 'image.load', { asset: 'photo.png' }]])));
    const elsewhere = await atelier(['run', flowFile, '--out', join(dir, 'elsewhere-out'), '--data', dataDir]);
    expect(elsewhere.stderr).toContain(`this flow reads "photo.png" from ${join(project, 'assets')}/ when run here, but the server holding the data dir reads sample files from ${resolve('flows/assets')}/`);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('load: asset "photo.png" does not exist in flows/assets/');
  }, 180_000);
});

describe('atelier run on a server that goes away', () => {
  it('exits 1 saying it lost the server, instead of waiting or exiting 2', async () => {
    // A stand-in server holds the data dir's lock: it takes the run, sends one event, then dies.
    const fake = createServer((req, res) => {
      if (req.method === 'POST') {
        req.resume();
        return req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ runId: 'r1' })));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: 1\nevent: run.queued\ndata: ${JSON.stringify({ runId: 'r1', seq: 1, ts: new Date().toISOString(), type: 'run.queued', nodes: [] })}\n\n`);
      setImmediate(() => {
        fake.close();
        res.socket!.destroy();
      });
    });
    await holdingDataDir(fake, 'lost-server', async (dataDir) => {
      const run = await atelier(['run', 'local-image-pipeline', '--out', join(dir, 'lost-out'), '--data', dataDir]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/lost the server at http:\/\/127\.0\.0\.1:\d+ during run r1 after event 1/);
    });
  }, 60_000);
});

describe('atelier run on a busy server', () => {
  it('waits while the server answers 429 too_many_runs, saying so once, then runs', async () => {
    // A stand-in server holds the data dir's lock: busy twice (Retry-After: 0), then it takes the run.
    let posts = 0;
    const record = { id: 'r1', status: 'succeeded', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), outputs: {}, nodes: {}, lastSeq: 2 };
    const fake = createServer((req, res) => {
      if (req.method === 'POST') {
        req.resume();
        return req.on('end', () => {
          if (++posts <= 2) return res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ error: { code: 'too_many_runs', message: '2 runs are queued or running (ATELIER_MAX_LIVE_RUNS)' } }));
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ runId: 'r1' }));
        });
      }
      if (req.url!.includes('/events')) {
        const ts = new Date().toISOString();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`id: 1\nevent: run.queued\ndata: ${JSON.stringify({ runId: 'r1', seq: 1, ts, type: 'run.queued', nodes: [] })}\n\n`);
        return res.end(`id: 2\nevent: run.finished\ndata: ${JSON.stringify({ runId: 'r1', seq: 2, ts, type: 'run.finished', status: 'succeeded', outputs: {} })}\n\n`);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record));
    });
    await holdingDataDir(fake, 'busy-server', async (dataDir) => {
      const run = await atelier(['run', 'local-image-pipeline', '--out', join(dir, 'busy-out'), '--data', dataDir]);
      expect(run.code).toBe(0);
      expect(posts).toBe(3);
      expect(run.stderr.match(/the server is busy: 2 runs are queued or running \(ATELIER_MAX_LIVE_RUNS\); waiting for room/g)).toHaveLength(1);
      expect(run.stdout).toContain('run r1 succeeded');
    });
  }, 60_000);
});

describe('a lock naming a server elsewhere', () => {
  // The lock is a file in the data dir (./data by default: possibly a cloned folder's). Written to name
  // another host, it had `atelier run` send the flow, its input files and ATELIER_TOKEN there.
  it('sends nothing off this machine: run and gc refuse with exit 2, saying why', async () => {
    const dataDir = join(dir, 'lock-elsewhere');
    const lock = acquireLock(dataDir, 'serve'); // this test process: a live holder
    lock.setAddress('collector.example', 80);
    try {
      const env = { ATELIER_TOKEN: 'secret-token' };
      for (const args of [['run', 'local-image-pipeline', '--out', join(dir, 'elsewhere-out')], ['gc', '--days', '1']]) {
        const refused = await atelier([...args, '--data', dataDir], env);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`atelier: the data dir's atelier.lock says its server (pid ${process.pid}) listens at "collector.example", which is no address of this machine; nothing was sent there`);
        expect(refused.stderr).not.toContain('secret-token');
      }
    } finally {
      lock.release();
    }
  }, 60_000);
});

/** Runs `test` on a data dir whose lock names `standIn` (listening on a free port) as its live server. */
async function holdingDataDir(standIn: Server, name: string, test: (dataDir: string) => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const dataDir = join(dir, name);
  const lock = acquireLock(dataDir, 'serve');
  lock.setAddress('127.0.0.1', (standIn.address() as AddressInfo).port);
  try {
    await test(dataDir);
  } finally {
    lock.release();
    standIn.close();
  }
}

describe('atelier gc', () => {
  it('needs a retention, prints what --dry-run would remove, then removes it', async () => {
    const dataDir = join(dir, 'gc-data');
    expect((await atelier(['run', 'local-image-pipeline', '--input', 'width=40', '--out', join(dir, 'gc-out'), '--data', dataDir])).code).toBe(0);
    const none = await atelier(['gc', '--data', dataDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--days N or ATELIER_RETENTION_DAYS');

    const keep = await atelier(['gc', '--dry-run', '--data', dataDir], { ATELIER_RETENTION_DAYS: '30' });
    expect(keep.code).toBe(0);
    expect(keep.stdout).toContain('would remove: 0 run(s), 0 event(s), 0 cache row(s), 0 artifact(s)');

    const dry = await atelier(['gc', '--days', '0', '--dry-run', '--data', dataDir]);
    expect(dry.code).toBe(0);
    const planned = /would remove: 1 run\(s\), (\d+) event\(s\), (\d+) cache row\(s\), (\d+) artifact\(s\)/.exec(dry.stdout);
    expect(planned).not.toBeNull();
    expect(Number(planned![3])).toBeGreaterThan(0);
    const bytes = Number(/would free: (\d+) bytes/.exec(dry.stdout)![1]);
    expect(bytes).toBeGreaterThan(0);
    const hashes = [...dry.stdout.matchAll(/artifact ([0-9a-f]{64})/g)].map((m) => m[1]);
    expect(hashes).toHaveLength(Number(planned![3]));
    for (const hash of hashes) expect(existsSync(join(dataDir, 'artifacts', hash.slice(0, 2), hash))).toBe(true);

    const real = await atelier(['gc', '--days', '0', '--data', dataDir]);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`removed: 1 run(s), ${planned![1]} event(s), ${planned![2]} cache row(s), ${planned![3]} artifact(s)`);
    expect(real.stdout).toContain(`freed: ${bytes} bytes`);
    for (const hash of hashes) expect(existsSync(join(dataDir, 'artifacts', hash.slice(0, 2), hash))).toBe(false);
  }, 180_000);

  it('closes runs a dead process left unfinished, so they do not keep what it stored from gc', async () => {
    const dataDir = join(dir, 'gc-crashed');
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const store = openStore(dataDir);
    const stray = await store.artifacts.put(Buffer.from('stored by a process that died'));
    store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(daysAgo(15), stray.artifact);
    store.runs.create({ id: 'crashed', status: 'running', startedAt: daysAgo(20), outputs: {}, nodes: {} }, buildFlow([]));
    store.runs.flush();
    store.close();

    const gc = await atelier(['gc', '--days', '10', '--data', dataDir]);
    expect(gc.code).toBe(0);
    expect(gc.stderr).toContain('1 run(s) left unfinished by an earlier process are marked interrupted');
    expect(gc.stdout).not.toContain('kept: artifacts stored since');
    expect(gc.stdout).toContain('1 artifact(s)');
    expect(existsSync(join(dataDir, 'artifacts', stray.artifact.slice(0, 2), stray.artifact))).toBe(false);
  }, 60_000);
});
