// Redis connections, loaded lazily: the embedded default never imports ioredis or BullMQ.
import type { Redis } from 'ioredis';

export type RedisClient = Redis;

/** Appends an event with the run's next seq (INCR and XADD in one step, so seq is gapless across workers). */
const EMIT_SCRIPT = `
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], '*', 's', seq, 'e', ARGV[1])
return seq`;

export interface AtelierRedis extends Redis {
  atelierEmit(eventsKey: string, seqKey: string, json: string): Promise<number>;
}

export async function connectRedis(url: string, log: (message: string) => void, name: string): Promise<AtelierRedis> {
  const { Redis } = await import('ioredis');
  // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing (BullMQ requires it).
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  return watch(client, log, name);
}

/**
 * Connections for BullMQ and blocking reads. BullMQ does not close a connection it was given, so the
 * owner closes every one of these (`closeAll`).
 */
export class ConnectionSet {
  private readonly all: Redis[] = [];

  constructor(
    readonly main: AtelierRedis,
    private readonly log: (message: string) => void,
    private readonly name: string,
  ) {
    this.all.push(main);
  }

  duplicate(role: string): AtelierRedis {
    const copy = watch(this.main.duplicate(), this.log, `${this.name}-${role}`);
    this.all.push(copy);
    return copy;
  }

  closeAll(): void {
    for (const client of this.all) client.disconnect();
  }
}

function watch(client: Redis, log: (message: string) => void, name: string): AtelierRedis {
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message === lastError) return; // one line per outage, not one per retry
    lastError = error.message;
    log(`redis (${name}): ${error.message}; reconnecting`);
  });
  client.on('ready', () => {
    if (lastError) log(`redis (${name}): connected again`);
    lastError = '';
  });
  client.defineCommand('atelierEmit', { numberOfKeys: 2, lua: EMIT_SCRIPT });
  return client as AtelierRedis;
}

/** Waits for a clean-up command at most `ms` (Redis may be away while a process shuts down). */
export async function settleWithin(pending: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pending.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
