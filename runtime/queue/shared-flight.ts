// Single-flight across workers: the first worker to claim a node's cache key in Redis (SET NX, a
// lease renewed while it runs) executes it; the others follow and take its outcome. A result
// already in the shared cache answers at once. A leader that dies lets its lease lapse: followers
// hear "abandoned" and claim again, so one of them executes instead.
import { randomBytes } from 'node:crypto';
import { isArtifact } from '../../model/artifact';
import type { CachedResult } from '../store/cache';
import type { FlightClaim, FlightOutcome, SingleFlight } from '../engine/single-flight';
import { keys } from './config';
import type { AtelierRedis } from './redis';

const LEASE_MS = 10_000;
const POLL_MS = 30;
const OUTCOME_TTL_S = 600;

interface Lease {
  runId: string;
  flight: string;
}

export class SharedSingleFlight implements SingleFlight {
  constructor(
    private readonly redis: AtelierRedis,
    private readonly log: (message: string) => void,
    /** A cached result whose artifacts are gone (removed by gc) is not served. */
    private readonly artifactExists: (hash: string) => boolean,
  ) {}

  async claim(key: string, runId: string): Promise<FlightClaim> {
    const flight = randomBytes(8).toString('hex');
    const [cached, taken] = await Promise.all([
      this.redis.get(keys.cache(key)),
      this.redis.set(keys.flight(key), JSON.stringify({ runId, flight } satisfies Lease), 'PX', LEASE_MS, 'NX'),
    ]);
    if (cached !== null && this.complete(JSON.parse(cached) as CachedResult)) {
      if (taken) await this.redis.del(keys.flight(key));
      // No leader run to name: the engine reports a plain cache hit (no sharedWith).
      return { role: 'follower', leaderRunId: '', outcome: Promise.resolve({ status: 'succeeded', result: JSON.parse(cached) as CachedResult }) };
    }
    if (taken) return this.lead(key, flight);
    const holder = await this.redis.get(keys.flight(key));
    if (holder === null) return this.claim(key, runId); // released between the two commands: try again
    const lease = JSON.parse(holder) as Lease;
    return { role: 'follower', leaderRunId: lease.runId, outcome: this.follow(key, lease.flight) };
  }

  private complete(result: CachedResult): boolean {
    return Object.values(result.outputs).every((value) => !isArtifact(value) || this.artifactExists(value.artifact));
  }

  private lead(key: string, flight: string): FlightClaim {
    const renew = setInterval(() => {
      this.redis.pexpire(keys.flight(key), LEASE_MS).catch((error: Error) => this.log(`single-flight ${key.slice(0, 12)}…: lease renewal failed (${error.message})`));
    }, LEASE_MS / 3);
    renew.unref();
    let settled = false;
    return {
      role: 'leader',
      settle: (outcome: FlightOutcome) => {
        if (settled) return;
        settled = true;
        clearInterval(renew);
        // The engine stored a success in the cache before settling (same connection, so it lands first).
        const pending = outcome.status === 'succeeded' ? Promise.resolve() : this.redis.set(keys.flightOutcome(flight), JSON.stringify(outcome), 'EX', OUTCOME_TTL_S);
        pending
          .then(() => this.redis.del(keys.flight(key)))
          .catch((error: Error) => this.log(`single-flight ${key.slice(0, 12)}…: could not settle (${error.message}); its lease lapses`));
      },
    };
  }

  /** Polls until the leader's result is cached, its failure is published, or its lease is gone. */
  private async follow(key: string, flight: string): Promise<FlightOutcome> {
    for (;;) {
      const [cached, outcome, holder] = await this.redis.mget(keys.cache(key), keys.flightOutcome(flight), keys.flight(key));
      const result = cached === null ? undefined : (JSON.parse(cached) as CachedResult);
      if (result && this.complete(result)) return { status: 'succeeded', result };
      if (outcome !== null) return JSON.parse(outcome) as FlightOutcome;
      if (holder === null || (JSON.parse(holder) as Lease).flight !== flight) return { status: 'abandoned' };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
