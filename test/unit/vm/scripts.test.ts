import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { agentArgv } from '../../../builder/vm/agents/launch.js';
import { gapAfter, outageAfter, parseProbeLine, probeConfig, type ProbeSample } from '../../../builder/vm/scripts.js';

describe('probe configuration', () => {
  it('has bounded defaults', () => {
    expect(probeConfig({ url: 'http://192.0.2.10/' })).toEqual({
      url: 'http://192.0.2.10/',
      intervalMs: 20,
      timeoutMs: 500,
      count: 500,
      durationMs: 10_000,
    });
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
    expect(parseProbeLine('{"t":1000.5,"ms":3.2,"ok":true,"status":200,"body":"web1"}')).toEqual({
      t: 1000.5,
      ms: 3.2,
      ok: true,
      status: 200,
      body: 'web1',
    });
    expect(parseProbeLine('{"t":1,"ms":500,"ok":false,"error":"timeout"}')).toEqual({
      t: 1,
      ms: 500,
      ok: false,
      error: 'timeout',
    });
    expect(parseProbeLine('{"done":true,"sent":3}')).toBeNull();
    expect(parseProbeLine('garbage')).toBeNull();
    expect(parseProbeLine('null')).toBeNull();
  });

  it('the HTTP server and the probe agents talk over loopback', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = spawn(process.execPath, agentArgv('http-server', ['web9', String(port), '127.0.0.1']), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => d.toString().includes(`{"listening":${port}}`) && resolve());
        setTimeout(() => reject(new Error('server did not start')), 10_000);
      });
      const cfg = probeConfig({ url: `http://127.0.0.1:${port}/`, intervalMs: 20, count: 5, timeoutMs: 2000 });
      const probe = spawn(process.execPath, agentArgv('probe', [JSON.stringify(cfg)]), {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => probe.on('exit', r));
      const lines = out.trim().split('\n');
      expect(code).toBe(0);
      expect(JSON.parse(lines.at(-1)!)).toEqual({ done: true, sent: 5 });
      const samples = lines.map(parseProbeLine).filter((x) => x !== null);
      expect(samples).toHaveLength(5);
      for (const x of samples) expect(x).toMatchObject({ ok: true, status: 200, body: 'web9' });
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('a probe against a closed port reports every request as failed, then done', async () => {
    const cfg = probeConfig({ url: 'http://127.0.0.1:9/', intervalMs: 10, count: 3, timeoutMs: 2000 });
    const probe = spawn(process.execPath, agentArgv('probe', [JSON.stringify(cfg)]), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => probe.on('exit', r));
    const samples = out
      .trim()
      .split('\n')
      .map(parseProbeLine)
      .filter((x) => x !== null);
    expect(samples.map((x) => [x.ok, x.error])).toEqual([
      [false, 'ECONNREFUSED'],
      [false, 'ECONNREFUSED'],
      [false, 'ECONNREFUSED'],
    ]);
  });
});

describe('failover gap', () => {
  const s = (t: number, ok: boolean, body?: string, ms = 2): ProbeSample => ({ t, ms, ok, ...(body ? { body } : {}) });
  const timeline = [
    s(0, true, 'a'),
    s(20, true, 'a'),
    s(40, false),
    s(60, false),
    s(80, true, 'a'),
    s(100, true, 'b', 5),
    s(120, true, 'b'),
  ];

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

describe('outage seen by clients (any node may answer afterwards)', () => {
  const s = (t: number, ok: boolean, body?: string, ms = 2): ProbeSample => ({ t, ms, ok, ...(body ? { body } : {}) });

  it('the longest time between answers coming back, whoever answers', () => {
    const timeline = [s(0, true, 'a'), s(20, true, 'a'), s(40, false), s(60, false), s(80, true, 'a', 3)];
    // answers back at 22 and 83: the outage is 61 ms, ended by the answer sent at 80
    expect(outageAfter(timeline, 10)).toEqual({ gapMs: 61, lost: 2, ended: true, first: timeline[4] });
  });

  it('a probe held up without failing counts too (the node took a while to serve again)', () => {
    const timeline = [s(20, true, 'a'), s(40, true, 'b', 900), s(60, true, 'b', 885)];
    const o = outageAfter(timeline, 10);
    expect(o.lost).toBe(0);
    expect(o.gapMs).toBe(918); // 22 → 940
  });

  it('about one probe interval when nothing was interrupted', () => {
    expect(outageAfter([s(20, true, 'a'), s(40, true, 'b'), s(60, true, 'b')], 10).gapMs).toBe(20);
  });

  it('not ended while no answer came back since the last failure', () => {
    const o = outageAfter([s(20, true, 'a'), s(40, false), s(60, false)], 10);
    expect(o.ended).toBe(false);
    expect(o.lost).toBe(2);
    expect(o.gapMs).toBe(Infinity);
  });

  it('order of the input does not matter', () => {
    const timeline = [s(0, true, 'a'), s(20, true, 'a'), s(40, false), s(60, false), s(80, true, 'a', 3)];
    expect(outageAfter([...timeline].reverse(), 10).gapMs).toBe(61);
  });
});
