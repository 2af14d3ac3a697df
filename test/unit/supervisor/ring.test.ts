import { describe, expect, it } from 'vitest';
import { createLineSplitter, createLogRing, formatLogLine } from '../../../overlay/supervisor/ring.js';

describe('log ring', () => {
  it.each([
    [3, 0, []],
    [3, 2, ['l0', 'l1']],
    [3, 3, ['l0', 'l1', 'l2']],
    [3, 5, ['l2', 'l3', 'l4']],
    [1, 4, ['l3']],
  ])('capacity %i after %i pushes keeps %j', (cap, n, want) => {
    const r = createLogRing(cap);
    for (let i = 0; i < n; i++) r.push({ at: i, stream: 'stdout', text: `l${i}` });
    expect(r.lines().map((l) => l.text)).toEqual(want);
    expect(r.size).toBe(Math.min(cap, n));
    expect(r.dropped).toBe(Math.max(0, n - cap));
  });

  it('tail returns the newest lines oldest first', () => {
    const r = createLogRing(5);
    for (let i = 0; i < 7; i++) r.push({ at: i * 1000, stream: 'stderr', text: `l${i}` });
    expect(r.tail(2).map((l) => [l.at, l.text])).toEqual([
      [5000, 'l5'],
      [6000, 'l6'],
    ]);
    expect(r.tail(100)).toHaveLength(5);
    expect(r.tail(0)).toEqual([]);
  });

  it('cuts over-long lines', () => {
    const r = createLogRing(2, 10);
    r.push({ at: 0, stream: 'stdout', text: 'x'.repeat(50) });
    expect(r.lines()[0]!.text).toBe('x'.repeat(10) + '…');
  });

  it('rejects a nonsense capacity', () => {
    expect(() => createLogRing(0)).toThrow(/positive integer/);
  });

  it('formats a line with time and stream', () => {
    expect(formatLogLine({ at: 0, stream: 'stderr', text: 'boom' })).toBe('1970-01-01T00:00:00.000Z ! boom');
    expect(formatLogLine({ at: 0, stream: 'supervisor', text: 'x' })).toBe('1970-01-01T00:00:00.000Z * x');
  });
});

describe('line splitter', () => {
  it.each([
    [['a\nb\n'], ['a', 'b']],
    [['a', 'b\nc'], ['ab']],
    [
      ['a\r\n', '\n'],
      ['a', ''],
    ],
    [['0123456789AB'], ['01234', '56789']],
  ])('%j → %j (before flush)', (chunks, want) => {
    const out: string[] = [];
    const s = createLineSplitter((l) => out.push(l), 5);
    chunks.forEach((c) => s.write(c));
    expect(out).toEqual(want);
  });

  it('flush emits the partial last line once', () => {
    const out: string[] = [];
    const s = createLineSplitter((l) => out.push(l));
    s.write('x\ny');
    s.flush();
    s.flush();
    expect(out).toEqual(['x', 'y']);
  });
});
