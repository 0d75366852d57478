// GET /api/runs/:id of a live run with many nodes: its record is serialised a slice per turn of the
// event loop as the client reads it, with lastSeq (taken first) added at the end. In one step a
// 100,000-node record held the server ~150 ms per request and its ~30 MB of JSON in memory, however
// many clients asked at once. A node that changes meanwhile is sent as it is when its slice is read:
// a client that then follows the run from lastSeq replays those changes, which set the same states.
import { pipeline, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RunRecord } from '../../model/events';
import { RECORD_NODES_IN_TURNS } from '../store/runs';
import { withField, type JsonSource } from './stored-answer';

/** Nodes serialised in one piece, and pieces in one turn (~5 ms of work). */
const NODES_PER_PIECE = 64;
const PIECES_PER_TURN = 32;

/**
 * A live record's node ids, listed once per run: listing 100,000 keys takes 25-75 ms, and many clients
 * may ask for the same run. A live record has every node of its plan from run.queued on.
 */
const nodeIdsOf = new WeakMap<RunRecord, string[]>();

function nodeIds(record: RunRecord): string[] {
  let ids = nodeIdsOf.get(record);
  if (!ids) nodeIdsOf.set(record, (ids = Object.keys(record.nodes)));
  return ids;
}

/** Whether a live record is sent in turns: one of RECORD_NODES_IN_TURNS nodes or more. */
export function sentInTurns(record: RunRecord): boolean {
  return nodeIds(record).length >= RECORD_NODES_IN_TURNS;
}

export class LiveRecordJson implements JsonSource {
  constructor(
    readonly record: RunRecord,
    readonly lastSeq: number,
  ) {}

  stream(): Readable {
    const source = Readable.from(inTurns(this.record), { objectMode: false, highWaterMark: 64 * 1024 });
    return pipeline(source, withField('lastSeq', this.lastSeq), () => {});
  }
}

/** The record's JSON: its head, then its nodes NODES_PER_PIECE at a time, each read when its piece is made. */
function* recordPieces(record: RunRecord): Generator<string, void, undefined> {
  const { nodes, ...head } = record;
  const ids = nodeIds(record);
  yield `${JSON.stringify(head).slice(0, -1)},"nodes":{`;
  for (let at = 0; at < ids.length; at += NODES_PER_PIECE) {
    const part: RunRecord['nodes'] = {};
    for (const id of ids.slice(at, at + NODES_PER_PIECE)) part[id] = nodes[id];
    yield `${at === 0 ? '' : ','}${JSON.stringify(part).slice(1, -1)}`;
  }
  yield '}}';
}

async function* inTurns(record: RunRecord): AsyncGenerator<Buffer> {
  let text = '';
  let count = 0;
  for (const piece of recordPieces(record)) {
    text += piece;
    if (++count % PIECES_PER_TURN === 0) {
      yield Buffer.from(text);
      text = '';
      await nextTurn();
    }
  }
  if (text) yield Buffer.from(text);
}
