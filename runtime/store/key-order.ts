// Cache rows in the order of the key index. Keys are random, so a batch written in the order results
// were set sends each row's index insert to another leaf page; written in key order, one page after
// another is filled. Sorting by the first two hex digits (256 buckets, a stable counting sort) was as
// good as a full sort: upserting 60,000 rows into 500,000 cost ~28% less a row (5.0 µs → 3.6).

import { hexDigitValue } from './key-filter';

const BUCKET_BITS = 8;

/** `entries` ordered by the first two hex digits of their key, keeping the order of equal prefixes (a later write of a key still wins). */
export function inKeyPrefixOrder<T extends { key: string }>(entries: readonly T[]): T[] {
  const buckets = new Uint32Array((1 << BUCKET_BITS) + 1);
  const bucketOf = new Uint16Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i].key;
    const bucket = (hexDigit(key.charCodeAt(0)) << 4) | hexDigit(key.charCodeAt(1));
    bucketOf[i] = bucket;
    buckets[bucket + 1]++;
  }
  for (let b = 1; b < buckets.length; b++) buckets[b] += buckets[b - 1];
  const ordered = new Array<T>(entries.length);
  for (let i = 0; i < entries.length; i++) ordered[buckets[bucketOf[i]]++] = entries[i];
  return ordered;
}

/** 0–15 for a hex digit; 0 for anything else (the engine's keys are all hex; another key only needs a place). */
function hexDigit(code: number): number {
  return Math.max(0, hexDigitValue(code));
}
