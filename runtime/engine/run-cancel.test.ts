import { describe, expect, it } from 'vitest';
import { RunCancel } from './run-cancel';

describe('run cancel', () => {
  it('aborts a signal made before the abort, and makes one asked for afterwards already aborted, with the same reason', () => {
    const early = new RunCancel();
    const signal = early.signal;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    const reason = new Error('cancelled');
    early.abort(reason);
    early.abort(new Error('again'));
    expect(heard).toEqual([reason]);
    expect(early).toMatchObject({ aborted: true, reason });

    const late = new RunCancel();
    late.abort(reason);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });

  it('tells its one listener once, and no longer once the listener is taken away', () => {
    const cancel = new RunCancel();
    const heard: unknown[] = [];
    cancel.onAbort((reason) => heard.push(reason));
    cancel.abort('first');
    cancel.abort('second');
    expect(heard).toEqual(['first']);

    const unheard = new RunCancel();
    unheard.onAbort((reason) => heard.push(reason));
    unheard.onAbort(undefined);
    unheard.abort('nobody');
    expect(heard).toEqual(['first']);
  });

  it("follows a caller's signal, already aborted or later, and never aborts it", () => {
    const source = new AbortController();
    const following = RunCancel.following(source.signal);
    following.abort('a crash inside the run');
    expect(source.signal.aborted).toBe(false);

    const other = RunCancel.following(source.signal);
    source.abort('job cancelled');
    expect(other).toMatchObject({ aborted: true, reason: 'job cancelled' });
    expect(RunCancel.following(source.signal)).toMatchObject({ aborted: true, reason: 'job cancelled' });
  });
});
