// The shared cache's prefetch against a real redis-server: a cached result whose artifact is gone
// (removed by gc, or its entry outlived the file) is a miss, so the node runs again instead of
// handing downstream nodes a hash nobody can read.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition } from '../../nodes/api';
import { buildFlow } from '../../test/helpers/flow-builder';
import { redisAvailable, startRedis, type RedisProcess } from '../../test/scale/harness';
import { cacheKey } from '../engine/cache-key';
import { planRun } from '../engine/plan';
import { NodeRegistry } from '../engine/registry';
import { keys } from './config';
import type { AtelierRedis } from './redis';
import { SharedCache } from './shared-cache';
import { assetFiles } from '../assets';

const enabled = redisAvailable();
let redis: RedisProcess;
let client: Redis;

const imageNode = defineNode({
  type: 'test.image-source',
  title: 'Image source',
  category: 'test',
  description: 'names an image artifact',
  version: 1,
  inputs: {},
  outputs: { image: { type: 'image' } },
  params: z.object({ salt: z.string().default('') }),
  deterministic: true,
  async run() {
    throw new Error('not run in this test');
  },
}) as AnyNodeDefinition;

beforeAll(async () => {
  if (!enabled) return;
  redis = await startRedis('everysec');
  client = new Redis(redis.url);
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.dispose();
});

describe.skipIf(!enabled)('SharedCache.prefetch', () => {
  it('serves a cached result only while the artifacts it names exist', async () => {
    const registry = new NodeRegistry([imageNode]);
    const salt = `${Date.now()}`;
    const flow = buildFlow([['src', 'test.image-source', { salt }]]);
    const hash = 'ab'.repeat(32);
    const key = cacheKey('test.image-source', 1, { salt }, {});
    await client.set(keys.cache(key), JSON.stringify({ outputs: { image: { artifact: hash, url: `/api/artifacts/${hash}`, mediaType: 'image/png' } } }));
    const prefetch = (exists: boolean) => {
      const cache = new SharedCache(client as AtelierRedis, () => {}, (h) => exists && h === hash);
      return cache.prefetch(registry, flow, planRun(flow), new Map(), { credentials: { get: () => undefined }, assets: assetFiles('flows/assets'), signal: new AbortController().signal, log: () => {} });
    };
    expect(await prefetch(true)).toBe(1);
    expect(await prefetch(false)).toBe(0);
  });
});
