import { describe, expect, it } from 'vitest';
import { LocalSingleFlight, type FlightClaim } from './single-flight';

const lead = (claim: FlightClaim) => {
  if (claim.role !== 'leader') throw new Error('expected to lead');
  return claim;
};

describe('local single-flight', () => {
  it('lets a later claim of a settled key lead again, and a concurrent one follow', async () => {
    const flights = new LocalSingleFlight();
    const first = lead(flights.claim('k', 'run-1'));
    const follower = flights.claim('k', 'run-2');
    expect(follower).toMatchObject({ role: 'follower', leaderRunId: 'run-1' });
    first.settle({ status: 'succeeded', result: { outputs: { n: 1 } } });
    await expect(follower.role === 'follower' && follower.outcome).resolves.toEqual({ status: 'succeeded', result: { outputs: { n: 1 } } });
    expect(flights.claim('k', 'run-3')).toMatchObject({ role: 'leader', runId: 'run-3' });
  });

  it('keeps open flights through the removal of thousands of settled ones', () => {
    const flights = new LocalSingleFlight();
    const open = Array.from({ length: 1500 }, (_, i) => lead(flights.claim(`open-${i}`, `run-${i}`)));
    for (let i = 0; i < 5000; i++) lead(flights.claim(`done-${i}`, 'run-x')).settle({ status: 'abandoned' });
    expect(flights.size).toBe(1500);
    for (let i = 0; i < 1500; i += 100) expect(flights.claim(`open-${i}`, 'late')).toMatchObject({ role: 'follower', leaderRunId: `run-${i}` });
    for (const claim of open) claim.settle({ status: 'abandoned' });
    expect(flights.size).toBe(0);
    expect(flights.claim('open-7', 'again')).toMatchObject({ role: 'leader' });
  });
});
