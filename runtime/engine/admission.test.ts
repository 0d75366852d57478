import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RunAdmission } from './admission';

describe('run admission', () => {
  it('admits up to perTurn runs at once, then queues the rest in arrival order, perTurn per turn', async () => {
    const order: number[] = [];
    const turns: number[] = [];
    let turn = 0;
    const admission = new RunAdmission<number>((i) => {
      order.push(i);
      turns.push(turn);
    }, 3);
    expect([admission.tryAdmit(), admission.tryAdmit(), admission.tryAdmit()]).toEqual([true, true, true]);
    expect(admission.tryAdmit()).toBe(false);

    for (let i = 0; i < 7; i++) admission.enqueue(i);
    expect(admission.busy).toBe(true); // what holds the store's commits back during a burst
    expect(order).toEqual([]); // nobody is admitted in the turn that queued them
    // Counts event-loop turns until every queued item is admitted.
    while (order.length < 7) {
      await nextTurn();
      turn++;
    }
    expect(admission.busy).toBe(false);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3);
    expect(perTurn.size).toBeGreaterThanOrEqual(3);
  });

  it('lets a newcomer start at once only when nobody is queued before it', async () => {
    let admitted = 0;
    const admission = new RunAdmission<string>(() => admitted++, 1);
    expect(admission.tryAdmit()).toBe(true);
    admission.enqueue('queued');
    while (admitted === 0) await nextTurn();
    // The queued run was admitted in this turn: the budget is spent again.
    expect(admission.tryAdmit()).toBe(false);
    await nextTurn();
    await nextTurn();
    expect(admission.tryAdmit()).toBe(true);
  });

  it("keeps no admitted item: a burst's finished runs are not held by the queue until it drains", async () => {
    const admitted: object[] = [];
    const admission = new RunAdmission<object>((item) => admitted.push(item), 1);
    expect(admission.tryAdmit()).toBe(true);
    const items = [{}, {}, {}];
    for (const item of items) admission.enqueue(item);
    while (admitted.length < 1) await nextTurn();
    const queue = (admission as unknown as { waiting: object[] }).waiting;
    expect(queue.filter((item) => item === items[0])).toEqual([]);
    while (admitted.length < 3) await nextTurn();
    expect(admitted).toEqual(items);
  });
});
