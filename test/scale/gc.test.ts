// `atelier gc` in queue mode against a real redis-server: an artifact that only the shared cache in
// Redis names is kept, old cache entries go with the artifacts only they named, and gc refuses to
// run on half the references when Redis cannot be read.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../nodes/api';
import { keys } from '../../runtime/queue/config';
import { TTL_SECONDS } from '../../runtime/queue/shared-cache';
import { SharedCacheGc } from '../../runtime/queue/shared-cache-gc';
import { openStore } from '../../runtime/store';
import { freePort, redisAvailable, startRedis, tempRoot, type RedisProcess } from './harness';

const enabled = redisAvailable();
const dir = tempRoot();
const DAY_S = 86_400;
let redis: RedisProcess;
let client: Redis;

beforeAll(async () => {
  if (!enabled) return;
  redis = await startRedis();
  client = new Redis(redis.url);
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.dispose();
  dir.remove();
});

function atelier(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/atelier.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A data dir with `count` artifacts stored 20 days ago and nothing in it naming them. */
async function oldArtifacts(name: string, count: number): Promise<{ dataDir: string; handles: Artifact[]; exists(a: Artifact): boolean }> {
  const dataDir = join(dir.root, name);
  const store = openStore(dataDir);
  const handles: Artifact[] = [];
  const old = new Date(Date.now() - 20 * DAY_S * 1000).toISOString();
  try {
    for (let i = 0; i < count; i++) {
      const handle = await store.artifacts.put(Buffer.from(`${name} artifact ${i}`));
      store.db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?').run(old, handle.artifact);
      handles.push(handle);
    }
  } finally {
    store.close();
  }
  return { dataDir, handles, exists: (a) => existsSync(join(dataDir, 'artifacts', a.artifact.slice(0, 2), a.artifact)) };
}

/** A shared cache entry as a worker writes it, `ageS` seconds old. */
async function cacheEntry(key: string, artifact: Artifact, ageS: number): Promise<string> {
  const redisKey = keys.cache(`${key}-${Date.now()}`);
  await client.set(redisKey, JSON.stringify({ outputs: { image: artifact } }), 'EX', TTL_SECONDS - ageS);
  return redisKey;
}

describe.skipIf(!enabled)('atelier gc with the shared cache in Redis', () => {
  it('keeps what a recent shared cache entry names, drops old entries with what only they named', async () => {
    const data = await oldArtifacts('gc-shared', 3);
    const [named, namedByOld, unnamed] = data.handles;
    const fresh = await cacheEntry('fresh', named, 60);
    const stale = await cacheEntry('stale', namedByOld, 20 * DAY_S);
    const env = { ATELIER_REDIS_URL: redis.url, ATELIER_DATA: data.dataDir };

    const dry = await atelier(['gc', '--days', '10', '--dry-run', '--data', data.dataDir], env);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would remove: 0 run(s), 0 event(s), 0 cache row(s), 2 artifact(s)');
    expect(dry.stdout).toMatch(/shared cache \(Redis\): would remove 1 of \d+ entr/);
    expect(dry.stdout).not.toContain(named.artifact);
    expect(await client.exists(stale)).toBe(1);

    const real = await atelier(['gc', '--days', '10', '--data', data.dataDir], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('removed: 0 run(s), 0 event(s), 0 cache row(s), 2 artifact(s)');
    expect(real.stdout).toMatch(/shared cache \(Redis\): removed 1 of \d+ entr/);
    expect(data.exists(named)).toBe(true);
    expect(data.exists(namedByOld)).toBe(false);
    expect(data.exists(unnamed)).toBe(false);
    expect(await client.exists(fresh)).toBe(1);
    expect(await client.exists(stale)).toBe(0);
  }, 60_000);

  it('drops a shared cache entry that names an artifact gc removed (written by a worker during gc)', async () => {
    const data = await oldArtifacts('gc-late', 2);
    const late = await cacheEntry('late', data.handles[0], 0);
    const other = await cacheEntry('other', data.handles[1], 0);
    const gc = await SharedCacheGc.connect(redis.url);
    try {
      expect(await gc.drop([], [data.handles[0].artifact])).toBe(1);
    } finally {
      gc.close();
    }
    expect(await client.exists(late)).toBe(0);
    expect(await client.exists(other)).toBe(1);
  });

  it('removes nothing when the shared cache cannot be read', async () => {
    const data = await oldArtifacts('gc-down', 2);
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const refused = await atelier(['gc', '--days', '10', '--data', data.dataDir], { ATELIER_REDIS_URL: nobody });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the shared cache at ${nobody} cannot be read`);
    expect(refused.stderr).toContain('gc removed nothing');
    for (const handle of data.handles) expect(data.exists(handle)).toBe(true);
  }, 60_000);
});
