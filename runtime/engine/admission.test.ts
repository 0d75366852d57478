import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RunAdmission } from './admission';

describe('run admission', () => {
  it('admits up to perTurn runs at once, then queues the rest in arrival order, perTurn per turn', async () => {
    const admission = new RunAdmission(3);
    expect([admission.tryAdmit(), admission.tryAdmit(), admission.tryAdmit()]).toEqual([true, true, true]);
    expect(admission.tryAdmit()).toBe(false);

    const order: number[] = [];
    const turns: number[] = [];
    let turn = 0;
    const waiting = Array.from({ length: 7 }, (_, i) =>
      admission.wait().then(() => {
        order.push(i);
        turns.push(turn);
      }),
    );
    expect(admission.busy).toBe(true); // what holds the store's commits back during a burst
    // Counts event-loop turns until every waiter is admitted.
    while (order.length < 7) {
      await nextTurn();
      turn++;
    }
    await Promise.all(waiting);
    expect(admission.busy).toBe(false);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3);
    expect(perTurn.size).toBeGreaterThanOrEqual(3);
  });

  it('lets a newcomer start at once only when nobody is queued before it', async () => {
    const admission = new RunAdmission(1);
    expect(admission.tryAdmit()).toBe(true);
    const first = admission.wait();
    await nextTurn();
    // The queued run was admitted in this turn: the budget is spent again.
    await first;
    expect(admission.tryAdmit()).toBe(false);
    await nextTurn();
    await nextTurn();
    expect(admission.tryAdmit()).toBe(true);
  });
});
