import { describe, expect, it } from 'vitest';
import { queueConfig } from './config';

describe('queue mode settings', () => {
  it('is off without ATELIER_REDIS_URL: single-process mode needs nothing of it', () => {
    expect(queueConfig({})).toBeUndefined();
    expect(queueConfig({ ATELIER_REDIS_URL: '' })).toBeUndefined();
  });

  it('reads the URL and the fault-handling knobs, with defaults', () => {
    expect(queueConfig({ ATELIER_REDIS_URL: 'redis://redis:6379/2' })).toEqual({ redisUrl: 'redis://redis:6379/2', lockMs: 30_000, stalledIntervalMs: 15_000, attempts: 3, heartbeatMs: 2_000 });
    expect(queueConfig({ ATELIER_REDIS_URL: 'rediss://h:1', ATELIER_RUN_ATTEMPTS: '5', ATELIER_QUEUE_LOCK_MS: '1500' })).toMatchObject({ attempts: 5, lockMs: 1500 });
  });

  it('names the variable that is wrong', () => {
    expect(() => queueConfig({ ATELIER_REDIS_URL: 'localhost:6379' })).toThrow(/ATELIER_REDIS_URL must look like redis:\/\/host:port/);
    expect(() => queueConfig({ ATELIER_REDIS_URL: 'redis://h:1', ATELIER_RUN_ATTEMPTS: '0' })).toThrow(/ATELIER_RUN_ATTEMPTS must be a positive integer, got "0"/);
    expect(() => queueConfig({ ATELIER_REDIS_URL: 'redis://h:1', ATELIER_QUEUE_LOCK_MS: 'soon' })).toThrow(/ATELIER_QUEUE_LOCK_MS/);
  });
});
