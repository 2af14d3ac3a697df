/**
 * Validator throughput and its bounds on hostile files, measured in-process (no image, no QEMU):
 * a generated director config with 10,000 virtual servers (two real servers each), and the
 * hostile shapes the validator must refuse fast (just under the size limit, nested too deep, an
 * alias bomb, binary data, thousands of errors).
 */
import { loadConfig } from '../overlay/config/index.js';
import { MAX_FILE_BYTES } from '../overlay/config/limits.js';

export interface ValidateBench {
  virtualServers: number;
  bytes: number;
  /** Median milliseconds of one loadConfig of the whole file (wall clock, and this process's CPU). */
  ms: number;
  cpuMs: number;
  /** Worst milliseconds over the hostile files, with its name. */
  hostileMs: number;
  hostileCpuMs: number;
  hostileWorst: string;
}

/** A valid director config with `n` virtual servers on one VRRP VIP (ports 1..n). */
export function bigDirectorConfig(n: number): string {
  const lines = [
    'version: 1',
    'profile: director',
    'nodes:',
    '  a: { interfaces: { wan: { mac: "52:54:00:00:00:01", addresses: [192.0.2.2/24] }, lan: { mac: "52:54:00:00:00:02", addresses: [10.0.0.2/16] } } }',
    '  b: { interfaces: { wan: { mac: "52:54:00:00:00:03", addresses: [192.0.2.3/24] }, lan: { mac: "52:54:00:00:00:04", addresses: [10.0.0.3/16] } } }',
    'vrrp:',
    '  instances:',
    '    - { name: VI_1, interface: wan, vrid: 51, priority: { a: 150, b: 100 }, vips: [192.0.2.10/24] }',
    'director:',
    '  virtual_servers:',
  ];
  for (let i = 1; i <= n; i++) {
    const rs = (k: number) => {
      const j = i * 2 + k + 16; // past the directors' own 10.0.0.2 and 10.0.0.3
      return `10.0.${j >> 8}.${j & 255}`;
    };
    lines.push(
      `    - { name: vs${i}, vip: 192.0.2.10, port: ${i}, scheduler: wrr, check: { type: HTTP_GET, urls: [{ path: /health, status_code: 200 }] }, real_servers: [{ address: ${rs(0)}, weight: 2 }, { address: ${rs(1)} }] }`,
    );
  }
  return lines.join('\n') + '\n';
}

function timed(text: string): { ms: number; cpuMs: number; ok: boolean } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = loadConfig(text);
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, ok: r.ok };
}

export function hostileFiles(): [string, string][] {
  const bomb =
    'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n' +
    Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]\n`).join('');
  const issues =
    'version: 1\nnodes:\n' +
    Array.from({ length: 20000 }, (_, i) => `  n${i}: { interfaces: { x: { mac: bad } } }`).join('\n') +
    '\n';
  return [
    ['just under the size limit (one long comment)', `version: 1\n# ${'x'.repeat(MAX_FILE_BYTES - 20)}\n`],
    ['over the size limit', 'x'.repeat(MAX_FILE_BYTES + 1)],
    ['flow nesting 100000 deep', `x: ${'['.repeat(100000)}${']'.repeat(100000)}\n`],
    ['alias bomb (10^10 expansions)', bomb],
    ['binary data', '\u007fELF\u0002\u0001\u0001' + '\u0000'.repeat(100000)],
    ['20000 nodes with errors', issues],
    // The error is placed from the last of 10,000 virtual servers (2 MiB): the whole file is read.
    [
      'one bad value in the last of 10,000 virtual servers',
      bigDirectorConfig(10_000).replace(
        /weight: 2 \}, \{ address: (\S+) \}\] \}\n$/,
        'weight: -5 }, { address: $1 }] }\n',
      ),
    ],
  ];
}

/** CPU milliseconds for 10^8 additions: how fast this machine is right now (a quiet core: ~80 ms). */
export function cpuCalibration(): number {
  const c0 = process.cpuUsage();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x += i;
  const c = process.cpuUsage(c0);
  return x > 0 ? (c.user + c.system) / 1000 : 0;
}

export function benchValidate(n = 10_000, runs = 3): ValidateBench {
  const text = bigDirectorConfig(n);
  const times: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = timed(text);
    if (!r.ok) throw new Error('the generated config does not validate');
    times.push(r);
  }
  times.sort((a, b) => a.ms - b.ms);
  let worst = { ms: 0, cpuMs: 0, name: '' };
  for (const [name, t] of hostileFiles()) {
    const r = timed(t);
    if (r.ok) throw new Error(`hostile file accepted: ${name}`);
    if (r.ms > worst.ms) worst = { ...r, name };
  }
  const mid = times[Math.floor(runs / 2)]!;
  return {
    virtualServers: n,
    bytes: Buffer.byteLength(text),
    ms: mid.ms,
    cpuMs: mid.cpuMs,
    hostileMs: worst.ms,
    hostileCpuMs: worst.cpuMs,
    hostileWorst: worst.name,
  };
}
