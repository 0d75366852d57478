// A finished run's row may hold its record's head only: every field but `nodes`, whose states its
// events already hold (each node's record is what its last event made it, model/run-record.ts).
// Serialising a 1,000-node record again at the run's end cost ~7% of the run (bench/engine's chain),
// and reads of a finished run are far rarer than runs. A reader folds the nodes back from the events
// (RunStore.get). Such a head is always stored as text, never deflated, and starts with its marker,
// so a row can be told to be one without parsing or inflating it.
import type { RunRecord } from '../../model/events';

/** The key that marks a head whose nodes are in the run's events. */
export const NODES_IN_EVENTS = 'nodesInEvents';
const HEAD_PREFIX = `{"${NODES_IN_EVENTS}":true,`;

/** A record as its row holds it: whole, or a head marked so. */
export type StoredRecord = RunRecord & { [NODES_IN_EVENTS]?: true };

/** The row of a finished run whose nodes are left to its events. */
export function finishedHeadJson(record: RunRecord): string {
  // `{"id":…` with the marker put first; JSON.stringify never writes `{}` for a record (it has an id).
  return HEAD_PREFIX + JSON.stringify({ ...record, nodes: {} }).slice(1);
}

/** Whether a stored record_json is such a head. */
export function isFinishedHead(stored: string | Uint8Array): boolean {
  return typeof stored === 'string' && stored.startsWith(HEAD_PREFIX);
}

/** The head a parsed head row holds, without its marker (its nodes are left to fold from the events). */
export function headOf(record: StoredRecord): RunRecord {
  const { [NODES_IN_EVENTS]: _marker, ...head } = record;
  return head;
}

/** Whether a parsed record_json is such a head (one changed and stored again must stay a text head). */
export function isHeadRecord(record: StoredRecord): boolean {
  return record[NODES_IN_EVENTS] === true;
}
