// Provider limits that hold across every worker: ATELIER_CONCURRENCY_<KEY>=N is a Redis semaphore
// whose slots are leases (expiring scores in a sorted set, renewed while held), so a slot held by a
// SIGKILLed worker frees itself. Limits not set in the environment stay per process, as declared.
import { randomBytes } from 'node:crypto';
import { Limiter, Limiters } from '../engine/limiter';
import { keys } from './config';
import type { AtelierRedis } from './redis';

const LEASE_MS = 10_000;
const RENEW_MS = 3_000;
const POLL_MS = 25;

// Score = lease expiry by Redis's clock (TIME), so workers' clocks need not agree.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV - 1 do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[#ARGV]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[#ARGV]) * 2)
return 1`;

interface ScriptedRedis extends AtelierRedis {
  atelierAcquire(key: string, limit: number, leaseMs: number, token: string): Promise<number>;
  atelierRenew(key: string, ...args: Array<string | number>): Promise<number>;
}

export class SharedLimiter extends Limiter {
  private readonly held: string[] = [];
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly key: string,
    limit: number,
    private readonly log: (message: string) => void,
  ) {
    super(limit);
  }

  /** A shared slot is taken only through Redis: never at once. */
  override tryAcquire(): boolean {
    return false;
  }

  override acquire(signal?: AbortSignal): Promise<void> {
    const token = `${process.pid}:${randomBytes(6).toString('hex')}`;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const attempt = () => {
        this.redis.atelierAcquire(keys.semaphore(this.key), this.limit, LEASE_MS, token).then(
          (granted) => {
            if (signal?.aborted) {
              if (granted) this.redis.zrem(keys.semaphore(this.key), token).catch(() => {});
              return;
            }
            if (!granted) {
              timer = setTimeout(attempt, POLL_MS);
              return;
            }
            signal?.removeEventListener('abort', onAbort);
            this.held.push(token);
            this.renewTimer ??= setInterval(() => this.renew(), RENEW_MS).unref();
            resolve();
          },
          (error: Error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(new Error(`the shared limit "${this.key}" cannot be reached in Redis: ${error.message}`));
          },
        );
      };
      attempt();
    });
  }

  override release(): void {
    const token = this.held.shift();
    if (!token) return;
    if (this.held.length === 0 && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
    this.redis.zrem(keys.semaphore(this.key), token).catch((error: Error) => this.log(`shared limit ${this.key}: release failed (${error.message}); the lease expires by itself`));
  }

  private renew(): void {
    if (this.held.length === 0) return;
    this.redis.atelierRenew(keys.semaphore(this.key), ...this.held, LEASE_MS).catch((error: Error) => this.log(`shared limit ${this.key}: renew failed (${error.message})`));
  }
}

export class SharedLimiters extends Limiters {
  private readonly shared = new Map<string, SharedLimiter>();
  private readonly redis: ScriptedRedis;

  constructor(
    redis: AtelierRedis,
    private readonly environment: NodeJS.ProcessEnv,
    private readonly log: (message: string) => void,
  ) {
    super(environment);
    redis.defineCommand('atelierAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('atelierRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis = redis as ScriptedRedis;
  }

  override get(key: string, declared: number): Limiter {
    const name = `ATELIER_CONCURRENCY_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const override = Number(this.environment[name]);
    if (!Number.isInteger(override) || override < 1) return super.get(key, declared);
    let limiter = this.shared.get(key);
    if (!limiter) {
      limiter = new SharedLimiter(this.redis, key, override, this.log);
      this.shared.set(key, limiter);
    }
    return limiter;
  }
}
