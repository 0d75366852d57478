// Run ids: the second the run started, then 32 random bits (20261201-031823-a0c16de1), so they sort
// by time and stay short enough to read out. Random bits alone are not enough: at a few thousand
// runs a second, two runs of the same second draw the same bits within hours of sustained load (the
// birthday bound is about 2^16 ids per second), and the second run's row would be refused with its
// whole write batch. So a process never hands out an id twice: it remembers the current second's ids
// and draws again on a repeat. Only one process makes run ids for a data dir (its lock holder).
import { randomBytes } from 'node:crypto';
import { isoNow } from './clock';

let randomPool = Buffer.alloc(0);
let randomAt = 0;

/** 4 random bytes as hex, from a pool refilled 4 KiB at a time: one randomBytes call per 1,024 ids. */
function randomHex4(): string {
  if (randomAt + 4 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  randomAt += 4;
  return randomPool.toString('hex', randomAt - 4, randomAt);
}

/** An id maker: `random` gives the 8 hex digits (tests pass one that repeats). */
export function runIdMaker(random: () => string = randomHex4, now: () => string = isoNow): () => string {
  let second = '';
  const issued = new Set<string>();
  return () => {
    const stamp = now().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    if (stamp !== second) {
      second = stamp;
      issued.clear();
    }
    for (;;) {
      const id = `${stamp}-${random()}`;
      if (!issued.has(id)) {
        issued.add(id);
        return id;
      }
    }
  };
}

/** This process's run ids: unique within it, sortable by start time. */
export const newRunId = runIdMaker();
