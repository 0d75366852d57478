// Run ids: the second the run started, then 8 hex digits (20261201-031823-5a0c16de), so they sort by
// time and stay short enough to read out. Within a second a process counts up from a random start:
// its ids never repeat (a repeat's row would be refused with its whole write batch) and each sorts
// after the one before, so the events table (keyed by run id) grows at its end. Random digits put
// each run's events row in a random page of the second's rows: a commit of a burst then rewrote most
// of them (~40 µs per row measured, ~6 µs appended). The random start keeps a process restarted
// within the same second away from the ids its predecessor gave out (two ranges of n ids overlap
// with probability ~2n/2^31). Only one process makes run ids for a data dir (its lock holder).
import { randomInt } from 'node:crypto';
import { isoNow } from './clock';

/** A second's first id is below this: counting up from it never outgrows 8 hex digits (2^31 runs a second cannot happen). */
const START_BELOW = 2 ** 31;

function randomStart(): number {
  return randomInt(0, START_BELOW);
}

/** An id maker: `start` gives each second's first number (tests pass a fixed one). */
export function runIdMaker(start: () => number = randomStart, now: () => string = isoNow): () => string {
  let second = '';
  let next = 0;
  let lastIso = '';
  let lastStamp = '';
  return () => {
    const iso = now();
    // Formatted once per clock reading: runs of a burst start within the same millisecond.
    if (iso !== lastIso) {
      lastIso = iso;
      lastStamp = iso.slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    }
    const stamp = lastStamp;
    // A clock stepped back keeps the last second: ids stay unique and in order.
    if (stamp > second) {
      second = stamp;
      next = start();
    }
    return `${second}-${(next++).toString(16).padStart(8, '0')}`;
  };
}

/** This process's run ids: unique within it, sortable by start time. */
export const newRunId = runIdMaker();
