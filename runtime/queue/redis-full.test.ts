// Queue mode with a Redis that refuses writes (out of memory under noeviction, as a full Redis does):
// a run it will not take is failed at once with queue_unavailable, instead of staying queued with a
// ?wait=1 caller waiting forever; once Redis has room, runs go through again. Real redis-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { redisAvailable, startRedis, type RedisProcess } from '../../test/scale/harness';
import { createAtelier } from '../atelier';

const enabled = redisAvailable();
let redis: RedisProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-redis-full-'));
  if (enabled) redis = await startRedis('everysec');
}, 60_000);

afterAll(async () => {
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!enabled)('queue mode on a Redis that refuses writes', () => {
  it('fails a run Redis will not queue with queue_unavailable, stores its end, and runs again once Redis has room', async () => {
    const logs: string[] = [];
    const atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), env: { ATELIER_REDIS_URL: redis.url }, nodes: testNodes(new WaitGate(), new Map()), log: (m) => logs.push(m) });
    const admin = new Redis(redis.url);
    try {
      const flow = (value: number) => buildFlow([['a', 'test.number', { value }], ['b', 'test.number']], ['a.value -> b.add']);
      expect((await atelier.runs.run({ flow: flow(1) })).status).toBe('succeeded');

      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1'); // anything that would add memory is refused: OOM
      const refused = await atelier.runs.run({ flow: flow(2) });
      expect(refused.status).toBe('failed');
      expect(refused.error).toMatch(/^queue_unavailable: the run could not be put on the queue \(OOM command not allowed/);
      expect(refused.nodes).toMatchObject({ a: { status: 'skipped' }, b: { status: 'skipped' } });
      const stored = atelier.store.runs.eventsSince(refused.id, 0);
      expect(stored.map((e) => e.type)).toEqual(['run.queued', 'node.skipped', 'node.skipped', 'run.finished']);
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(atelier.runs.isLive(refused.id)).toBe(false);
      expect(logs.join('\n')).toContain(`run ${refused.id}: queue_unavailable`);

      await admin.config('SET', 'maxmemory', '0');
      expect((await atelier.runs.run({ flow: flow(3) })).status).toBe('succeeded');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      await atelier.close();
    }
  }, 60_000);
});
