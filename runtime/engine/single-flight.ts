// Single-flight: identical node executions (same cache key) in concurrent runs execute once. The
// first run to claim a key leads and executes; the others follow and receive its outcome.
// Behind an interface so that several worker processes can share flights (e.g. through Redis).
import type { CachedResult } from '../store/cache';

/** How a flight ended. `abandoned`: the leader stopped (its run was cancelled); followers try again. */
export type FlightOutcome =
  | { status: 'succeeded'; result: CachedResult }
  | { status: 'failed'; error: string; field?: string }
  | { status: 'abandoned' };

export type FlightClaim =
  | { role: 'leader'; settle(outcome: FlightOutcome): void }
  | { role: 'follower'; leaderRunId: string; outcome: Promise<FlightOutcome> };

export interface SingleFlight {
  /**
   * Leads the flight of `key`, or follows the one in progress. A leader must settle its claim exactly
   * once. May answer with a promise (a shared backend); the in-process one answers synchronously.
   */
  claim(key: string, runId: string): FlightClaim | Promise<FlightClaim>;
}

/** Flights of one process: a map from key to the flight in progress, removed when it settles. */
export class LocalSingleFlight implements SingleFlight {
  private readonly flights = new Map<string, LocalFlight>();

  claim(key: string, runId: string): FlightClaim {
    const flight = this.flights.get(key);
    if (flight) return { role: 'follower', leaderRunId: flight.runId, outcome: flight.follow() };
    const lead = new LocalFlight(this.flights, key, runId);
    this.flights.set(key, lead);
    return lead;
  }

  /** Flights in progress (tests and diagnostics). */
  get size(): number {
    return this.flights.size;
  }
}

/** The leader's claim. The outcome promise is made only when someone follows: most flights have no followers. */
class LocalFlight {
  readonly role = 'leader';
  private outcome?: Promise<FlightOutcome>;
  private resolve?: (outcome: FlightOutcome) => void;
  private settled = false;

  constructor(
    private readonly flights: Map<string, LocalFlight>,
    private readonly key: string,
    readonly runId: string,
  ) {}

  follow(): Promise<FlightOutcome> {
    this.outcome ??= new Promise<FlightOutcome>((resolve) => (this.resolve = resolve));
    return this.outcome;
  }

  settle(outcome: FlightOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.flights.delete(this.key);
    this.resolve?.(outcome);
  }
}
