import { describe, expect, it } from 'vitest';
import { batchConcurrency, Slots } from './slots';

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
};

describe('Slots', () => {
  it('grants at most `size` at once, in order, and hands a freed slot to the next in line', async () => {
    const slots = new Slots(2);
    const [a, b, c, d] = [slots.take(), slots.take(), slots.take(), slots.take()];
    expect(await settled(a.turn)).toBe(true);
    expect(await settled(b.turn)).toBe(true);
    expect(await settled(c.turn)).toBe(false);
    b.release();
    b.release(); // twice frees once
    expect(await settled(c.turn)).toBe(true);
    expect(await settled(d.turn)).toBe(false);
    a.release();
    expect(await settled(d.turn)).toBe(true);
  });

  it('a holder that leaves the line before its turn takes no slot', async () => {
    const slots = new Slots(1);
    const a = slots.take();
    const b = slots.take();
    const c = slots.take();
    b.release();
    a.release();
    expect(await settled(c.turn)).toBe(true);
    expect(await settled(b.turn)).toBe(false);
    c.release();
    const d = slots.take();
    expect(await settled(d.turn)).toBe(true);
  });
});

describe('batchConcurrency', () => {
  it('defaults to 4 and names the variable when the value is bad', () => {
    expect(batchConcurrency({})).toBe(4);
    expect(batchConcurrency({ ATELIER_BATCH_CONCURRENCY: '2' })).toBe(2);
    expect(() => batchConcurrency({ ATELIER_BATCH_CONCURRENCY: '0' })).toThrow(/ATELIER_BATCH_CONCURRENCY/);
    expect(() => batchConcurrency({ ATELIER_BATCH_CONCURRENCY: 'many' })).toThrow(/got "many"/);
  });
});
