import { SharedRead } from './shared-read';

/** A read whose answers the test releases by hand, recording what was asked. */
function manualRead() {
  const asked: string[][] = [];
  const pending: Array<(v: string) => void> = [];
  const fail: Array<(e: Error) => void> = [];
  const read = new SharedRead<string, string>(
    (keys) =>
      new Promise<string>((resolve, reject) => {
        asked.push([...keys]);
        pending.push(resolve);
        fail.push(reject);
      }),
  );
  return { read, asked, answer: (i: number, v: string) => pending[i]!(v), refuse: (i: number, e: Error) => fail[i]!(e) };
}

describe('SharedRead', () => {
  it('gives callers whose keys the read under way covers that read’s answer', async () => {
    const m = manualRead();
    const a = m.read.get(['e1', 'e2', 'e3']);
    const b = m.read.get(['e2', 'e1']);
    const c = m.read.get(['e3']);
    expect(m.asked).toEqual([['e1', 'e2', 'e3']]);
    m.answer(0, 'first');
    await expect(Promise.all([a, b, c])).resolves.toEqual(['first', 'first', 'first']);
  });

  it('starts a read of its own for keys the read under way lacks, and later callers share the newest', async () => {
    const m = manualRead();
    const a = m.read.get(['e1']);
    const b = m.read.get(['e1', 'e9']);
    const c = m.read.get(['e9']);
    expect(m.asked).toEqual([['e1'], ['e1', 'e9']]);
    m.answer(0, 'one');
    m.answer(1, 'two');
    await expect(Promise.all([a, b, c])).resolves.toEqual(['one', 'two', 'two']);
  });

  it('reads afresh once the read settled, whether it answered or failed', async () => {
    const m = manualRead();
    const a = m.read.get(['e1']);
    m.refuse(0, new Error('down'));
    await expect(a).rejects.toThrow('down');
    const b = m.read.get(['e1']);
    expect(m.asked).toHaveLength(2);
    m.answer(1, 'back');
    await expect(b).resolves.toBe('back');
    const c = m.read.get(['e1']);
    expect(m.asked).toHaveLength(3);
    m.answer(2, 'again');
    await expect(c).resolves.toBe('again');
  });
});
