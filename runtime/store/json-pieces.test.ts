import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPieces, jsonPiecesInTurns } from './json-pieces';

/** Values shaped like what is stored (records, flows, event lists), with arrays and key sets past one piece. */
const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.string({ unit: 'binary' }));
const key = fc.oneof(fc.string(), fc.nat(500).map(String), fc.constantFrom('__proto__', 'toJSON', 'constructor', ''));
const big = fc.oneof(
  fc.array(leaf, { minLength: 60, maxLength: 300 }),
  fc.dictionary(key, leaf, { minKeys: 60, maxKeys: 300 }),
);
const storedLike = fc.oneof(
  big,
  fc.dictionary(key, fc.oneof(leaf, big), { maxKeys: 8 }),
  fc.array(fc.oneof(leaf, big), { maxLength: 5 }),
  leaf.filter((v) => v !== undefined),
);

describe('jsonPieces', () => {
  it('writes exactly what JSON.stringify writes (random values)', () => {
    fc.assert(
      fc.property(storedLike, (value) => {
        expect(jsonPieces(value).join('')).toBe(JSON.stringify(value));
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it('cuts a large event list and a large record into pieces, and keeps small values whole', () => {
    const events = Array.from({ length: 2000 }, (_, seq) => ({ type: 'node.finished', nodeId: `n${seq}`, seq, outputs: { n: seq } }));
    expect(jsonPieces(events).length).toBeGreaterThan(30);
    const record = { id: 'r', nodes: Object.fromEntries(events.map((e) => [e.nodeId, { status: 'succeeded', outputs: e.outputs }])), error: undefined };
    expect(jsonPieces(record).length).toBeGreaterThan(30);
    expect(jsonPieces(record).join('')).toBe(JSON.stringify(record));
    expect(jsonPieces({ id: 'r', nodes: {} })).toEqual(['{"id":"r","nodes":{}}']);
    expect(jsonPieces(events.slice(0, 10))).toHaveLength(1);
  });

  it('writes the same in turns of the event loop (random values), taking turns for a large record', async () => {
    await fc.assert(
      fc.asyncProperty(storedLike, async (value) => {
        expect((await jsonPiecesInTurns(value)).join('')).toBe(JSON.stringify(value));
      }),
      { seed: 20261201, numRuns: 100 },
    );
    const nodes = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`n${i}`, { status: 'succeeded', outputs: { n: i } }]));
    const record = { id: 'r', status: 'succeeded', nodes };
    // Turns counted by setImmediate, as the pieces yield: a 0 ms interval fires only once a millisecond has passed.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const pieces = await jsonPiecesInTurns(record);
    ticking = false;
    expect(pieces.join('')).toBe(JSON.stringify(record));
    expect(turns).toBeGreaterThanOrEqual(8); // ~313 pieces, a turn after each 32
  });

  it('refuses a value that has no JSON, as a store write must not write "undefined"', () => {
    expect(() => jsonPieces(undefined)).toThrow(/cannot store undefined/);
  });
});
