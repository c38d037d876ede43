import { CoalescedReads } from '../src/verify/coalesce';

/** A read the test answers by hand, counting how many were started. */
function manualReads() {
  const pending: Array<(value: string) => void> = [];
  let started = 0;
  const fetch = (): Promise<string> => {
    started++;
    return new Promise<string>((resolve) => pending.push(resolve));
  };
  /** Answers the oldest read still open, then lets the reader move on. */
  const answer = async (value: string): Promise<void> => {
    pending.shift()!(value);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { fetch, answer, started: () => started };
}

describe('CoalescedReads', () => {
  it('shares one read between concurrent callers, and holds nothing once it is done', async () => {
    const reads = new CoalescedReads<string>();
    const m = manualReads();
    const a = reads.run('k', m.fetch);
    const b = reads.run('k', m.fetch);
    expect(m.started()).toBe(1);
    await m.answer('v1');
    await expect(a).resolves.toEqual({ value: 'v1', cacheable: true });
    await expect(b).resolves.toEqual({ value: 'v1', cacheable: true });
    void reads.run('k', m.fetch);
    expect(m.started()).toBe(2);
  });

  it('a read invalidated once in flight is read again, and that second answer is cacheable', async () => {
    const reads = new CoalescedReads<string>();
    const m = manualReads();
    const result = reads.run('k', m.fetch);
    reads.invalidate('k');
    await m.answer('before the change');
    expect(m.started()).toBe(2);
    await m.answer('after the change');
    await expect(result).resolves.toEqual({ value: 'after the change', cacheable: true });
    expect(m.started()).toBe(2);
  });

  it('a read invalidated again during its second read is answered once more, not cacheable', async () => {
    const reads = new CoalescedReads<string>();
    const m = manualReads();
    const result = reads.run('k', m.fetch);
    reads.invalidate('k');
    await m.answer('first');
    reads.invalidate('k');
    await m.answer('second');
    expect(m.started()).toBe(2); // no third read
    await expect(result).resolves.toEqual({ value: 'second', cacheable: false });
  });

  it('invalidateAll marks every read in flight; invalidate marks only its own key', async () => {
    const reads = new CoalescedReads<string>();
    const m = manualReads();
    const a = reads.run('a', m.fetch);
    const b = reads.run('b', m.fetch);
    reads.invalidate('other');
    reads.invalidateAll();
    await m.answer('a1');
    await m.answer('b1');
    expect(m.started()).toBe(4);
    await m.answer('a2');
    await m.answer('b2');
    await expect(a).resolves.toEqual({ value: 'a2', cacheable: true });
    await expect(b).resolves.toEqual({ value: 'b2', cacheable: true });
  });
});
