import { describe, expect, it } from 'vitest';
import { sharedRead } from '../../../overlay/status/shared-read.js';

describe('a read shared within a short window', () => {
  it('callers that arrive during a read get that read; a result is reused only while fresh', async () => {
    let clock = 0;
    let reads = 0;
    let release: (() => void) | undefined;
    const read = sharedRead(
      () =>
        new Promise<number>((resolve) => {
          reads++;
          const n = reads;
          release = () => resolve(n);
        }),
      1000,
      () => clock,
    );
    const a = read();
    const b = read();
    release!();
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(reads).toBe(1);
    clock = 999;
    expect(await read()).toBe(1);
    clock = 1000;
    const c = read();
    release!();
    expect(await c).toBe(2);
    expect(reads).toBe(2);
  });

  it('a failed read reaches its callers and is not kept', async () => {
    let fail = true;
    let reads = 0;
    const read = sharedRead(
      async () => {
        reads++;
        if (fail) throw new Error('conntrackd: no answer');
        return 'ok';
      },
      1000,
      () => 0,
    );
    await expect(Promise.all([read(), read()])).rejects.toThrow('no answer');
    expect(reads).toBe(1);
    fail = false;
    expect(await read()).toBe('ok');
    expect(reads).toBe(2);
  });
});
