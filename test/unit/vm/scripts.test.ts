import { describe, expect, it } from 'vitest';
import { HTTP_SERVER_SCRIPT, PROBE_SCRIPT, gapAfter, parseProbeLine, probeConfig, type ProbeSample } from '../../../builder/vm/scripts.js';

describe('probe configuration', () => {
  it('has bounded defaults', () => {
    expect(probeConfig({ url: 'http://192.0.2.10/' })).toEqual({ url: 'http://192.0.2.10/', intervalMs: 20, timeoutMs: 500, count: 500, durationMs: 10_000 });
  });

  it.each([
    [{ url: 'https://x/' }, /http/],
    [{ url: 'http://x/', intervalMs: 0 }, /intervalMs/],
    [{ url: 'http://x/', timeoutMs: 0 }, /timeoutMs/],
    [{ url: 'http://x/', count: 0 }, /count/],
    [{ url: 'http://x/', count: Infinity }, /count/],
    [{ url: 'http://x/', durationMs: 1e9 }, /durationMs/],
  ])('rejects %j', (o, re) => expect(() => probeConfig(o)).toThrow(re));
});

describe('probe output', () => {
  it('parses answers and failures; ignores the final line and noise', () => {
    expect(parseProbeLine('{"t":1000.5,"ms":3.2,"ok":true,"status":200,"body":"web1"}')).toEqual({ t: 1000.5, ms: 3.2, ok: true, status: 200, body: 'web1' });
    expect(parseProbeLine('{"t":1,"ms":500,"ok":false,"error":"timeout"}')).toEqual({ t: 1, ms: 500, ok: false, error: 'timeout' });
    expect(parseProbeLine('{"done":true,"sent":3}')).toBeNull();
    expect(parseProbeLine('garbage')).toBeNull();
    expect(parseProbeLine('null')).toBeNull();
  });

  it('scripts are self-contained CommonJS for `node -e`', () => {
    for (const s of [HTTP_SERVER_SCRIPT, PROBE_SCRIPT]) {
      expect(s).toContain("require('node:http')");
      expect(s).not.toMatch(/^\s*import /m);
      expect(() => new Function('require', 'process', s)).not.toThrow();
    }
  });
});

describe('failover gap', () => {
  const s = (t: number, ok: boolean, body?: string, ms = 2): ProbeSample => ({ t, ms, ok, ...(body ? { body } : {}) });
  const timeline = [s(0, true, 'a'), s(20, true, 'a'), s(40, false), s(60, false), s(80, true, 'a'), s(100, true, 'b', 5), s(120, true, 'b')];

  it('from the fault to the first answer from another node, counting what was lost', () => {
    expect(gapAfter(timeline, 30, 'a')).toEqual({ gapMs: 75, first: timeline[5], lost: 3 });
  });

  it('null when the other node never answered', () => {
    expect(gapAfter(timeline.slice(0, 5), 30, 'a')).toBeNull();
  });

  it('order of the input does not matter', () => {
    expect(gapAfter([...timeline].reverse(), 30, 'a')?.gapMs).toBe(75);
  });
});
