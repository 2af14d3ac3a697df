/**
 * `npm run bench`: build and boot numbers, measured (not asserted). Writes JSON to
 * bench/results/<name>-<date>.json and prints a readable table.
 *
 *   cold build      mmdebstrap + every stage (apt downloads cached, nothing else)
 *   warm rebuild    after an overlay change (only the overlay archive, ISO and manifest)
 *   sizes           ISO and initrd of the director profile
 *   boot to ready   kernel-reported seconds at the ready line, TCG, 512 MiB, median of 3
 *
 *   drill           failover drills of a router pair (poweroff, default and fast timers):
 *                   p50/p95/max over --drill-runs (default 20) each, then an idle run of the pair
 *                   at the fast timers for --idle-minutes (default 10): spontaneous failovers and
 *                   the host CPU QEMU used
 *   director        poweroff drills of an LVS director pair (NAT to three backends, default
 *                   timers): p50/p95/max over --director-runs (default 10)
 *   validate        validator throughput on a generated 10,000-virtual-server file, and the worst
 *                   time on the hostile files it must refuse (size, nesting, alias bomb, binary)
 *
 * Options: --only build,boot,drill,director,validate  --runs N  --drill-runs N  --idle-minutes N
 *          --timers default,fast  --director-runs N
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Vm, type VmSpec } from '../builder/vm/qemu.js';
import { defaultCacheDir, projectRoot } from '../builder/context.js';
import type { Manifest } from '../builder/stages/manifest.js';
import { startDrillLab, drillScenario, settledPair, STATE_LINE, type DrillLab } from '../builder/drill/drill.js';
import { FAST_ADVERT_MS } from '../builder/drill/lab-config.js';
import { createLogger } from '../builder/log.js';
import { benchValidate, cpuCalibration } from './validate.js';

export interface Row {
  metric: string;
  value: number;
  unit: string;
  target?: string;
  detail?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['metric', 'value', 'target', 'detail'];
  const body = rows.map((r) => [r.metric, `${r.value} ${r.unit}`, r.target ?? '', r.detail ?? '']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

const pillars = join(projectRoot, 'bin', 'pillars.mjs');

function timedBuild(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [pillars, 'build', ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) throw new Error(`pillars build ${args.join(' ')} failed`);
  return (performance.now() - t0) / 1000;
}

async function bootSeconds(spec: VmSpec): Promise<number> {
  const vm = Vm.start(spec);
  try {
    const line = await vm.waitFor(/pillars: ready in (\d+\.\d+)s/, 240_000);
    return Number(/ready in (\d+\.\d+)s/.exec(line.text)![1]);
  } finally {
    await vm.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string' }, 'drill-runs': { type: 'string' }, 'idle-minutes': { type: 'string' }, timers: { type: 'string' }, 'director-runs': { type: 'string' } } });
  const only = new Set((values.only ?? 'build,boot,drill,director,validate').split(','));
  const runs = Number(values.runs ?? 3);
  const outRoot = join(projectRoot, 'out');
  const rows: Row[] = [];

  if (only.has('build')) {
    // Cold: a fresh cache that shares only the apt downloads.
    const cache = mkdtempSync(join(outRoot, '.bench-cache-'));
    mkdirSync(join(defaultCacheDir(), 'apt'), { recursive: true });
    symlinkSync(join(defaultCacheDir(), 'apt'), join(cache, 'apt'));
    const benchOut = mkdtempSync(join(outRoot, '.bench-out-'));
    try {
      const cold = timedBuild(['--cache', cache, '--out', benchOut]);
      rows.push({ metric: 'cold build (director)', value: round(cold), unit: 's', detail: 'mmdebstrap + all stages; apt downloads cached' });
      const warm = timedBuild(['--cache', cache, '--out', benchOut], { ...process.env, PILLARS_BUILD_STAMP: String(Date.now()) });
      rows.push({ metric: 'warm rebuild after overlay change', value: round(warm), unit: 's', target: '≤ 10 s' });
      const m = JSON.parse(readFileSync(join(benchOut, 'director', 'manifest.json'), 'utf8')) as Manifest;
      const size = (p: string) => m.artifacts.find((a) => a.path === p)!.bytes / 1024 / 1024;
      rows.push({ metric: 'ISO size', value: round(size('pillars.iso')), unit: 'MiB', target: '≤ 64 MiB (aim 48)' });
      rows.push({ metric: 'initrd size', value: round(size('initrd.img')), unit: 'MiB' });
      rows.push({ metric: 'kernel modules kept', value: m.kernel.modules, unit: '' });
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(benchOut, { recursive: true, force: true });
    }
  }

  if (only.has('boot')) {
    timedBuild([]);
    const dir = join(outRoot, 'director');
    const direct: number[] = [];
    const iso: number[] = [];
    for (let i = 0; i < runs; i++) {
      direct.push(await bootSeconds({ name: `bench-direct-${i}`, memoryMiB: 512, boot: { kind: 'kernel', kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), append: 'console=ttyS0,115200n8 quiet panic=-1 pillars.stickwait=1' } }));
      iso.push(await bootSeconds({ name: `bench-iso-${i}`, memoryMiB: 512, boot: { kind: 'cdrom', iso: join(dir, 'pillars.iso') } }));
    }
    rows.push({ metric: 'boot to ready, kernel+initrd (TCG, 512 MiB, no stick, 1 s stick wait)', value: round(median(direct)), unit: 's', target: '≤ 15 s (aim 8)', detail: `median of ${runs}: ${direct.join(', ')}` });
    rows.push({ metric: 'boot to ready, ISO via SeaBIOS+GRUB', value: round(median(iso)), unit: 's', detail: `kernel clock, median of ${runs}: ${iso.join(', ')}` });
  }

  if (only.has('drill')) {
    timedBuild(['--profile', 'router']);
    const log = createLogger({ quiet: true });
    const imageDir = join(outRoot, 'router');
    const drillRuns = Number(values['drill-runs'] ?? 20);
    const timerSets = (values.timers ?? 'default,fast').split(',').filter((t): t is 'default' | 'fast' => t === 'default' || t === 'fast');
    for (const timers of timerSets) {
      const dl = await startDrillLab({ profile: 'router', timers, imageDir, log });
      try {
        const r = await drillScenario(dl, 'poweroff', drillRuns, log);
        rows.push({ metric: `failover, poweroff, ${timers} timers (${timers === 'fast' ? `${FAST_ADVERT_MS} ms` : '100 ms'} adverts)`, value: r.p50_ms, unit: 'ms p50', target: timers === 'fast' ? 'p50 ≤ 150 ms' : 'p50 ≤ 500 ms', detail: `p95 ${r.p95_ms} ms, max ${r.max_ms} ms, n=${r.runs.length}` });
        if (timers === 'fast') {
          const minutes = Number(values['idle-minutes'] ?? 10);
          const idle = await idleRun(dl, minutes);
          rows.push({ metric: `idle pair at fast timers, ${minutes} min`, value: idle.transitions, unit: 'spontaneous failovers', target: '0', detail: `host CPU of both QEMUs ${idle.cpuPercent}% of one core${idle.at.length ? `; MASTER at ${idle.at.join(', ')}` : ''}` });
        }
      } finally {
        await dl.dispose();
      }
    }
  }

  if (only.has('director')) {
    timedBuild(['--profile', 'director']);
    const dl = await startDrillLab({ profile: 'director', timers: 'default', imageDir: join(outRoot, 'director'), log: createLogger({ quiet: true }) });
    try {
      const r = await drillScenario(dl, 'poweroff', Number(values['director-runs'] ?? 10), createLogger({ quiet: true }));
      rows.push({ metric: 'failover, poweroff, director pair (LVS-NAT, 100 ms adverts)', value: r.p50_ms, unit: 'ms p50', target: 'p50 ≤ 500 ms', detail: `p95 ${r.p95_ms} ms, max ${r.max_ms} ms, n=${r.runs.length}` });
    } finally {
      await dl.dispose();
    }
  }

  if (only.has('validate')) {
    const v = benchValidate();
    rows.push({ metric: `validator, ${v.virtualServers.toLocaleString('en')} virtual servers (${round(v.bytes / 1048576)} MiB)`, value: Math.round(v.ms), unit: 'ms', target: '< 1000 ms', detail: `${Math.round(v.virtualServers / (v.ms / 1000)).toLocaleString('en')} virtual servers/s, median of 3; ${Math.round(v.cpuMs)} ms CPU` });
    rows.push({ metric: 'validator, worst hostile file', value: Math.round(v.hostileMs), unit: 'ms', target: '< 1000 ms', detail: `${v.hostileWorst}; ${Math.round(v.hostileCpuMs)} ms CPU` });
    rows.push({ metric: 'CPU calibration: 10^8 additions', value: Math.round(cpuCalibration()), unit: 'ms CPU', detail: 'about 80 ms on a quiet core; scale the validator times by it' });
  }

  const result = { date: new Date().toISOString(), host: { cpus: (await import('node:os')).cpus().length }, rows };
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  const file = join(projectRoot, 'bench', 'results', `${[...only].sort().join('-')}-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(formatTable(rows));
  console.log(`\nresults: ${file}`);
}

/**
 * Leave a settled pair alone and count the failovers (MASTER transitions of VI_LAN) and the CPU
 * time its QEMU processes used. After the drills the last restored node may still be about to take
 * MASTER back (preemption): the window starts only once the pair has been quiet for IDLE_QUIET_MS.
 */
async function idleRun(dl: DrillLab, minutes: number): Promise<{ transitions: number; cpuPercent: number; at: string[] }> {
  const cpu = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in seconds (USER_HZ 100)
  };
  const settleEnd = Date.now() + 180_000;
  while (!settledPair(dl.nodes, dl.instance, IDLE_QUIET_MS)) {
    if (Date.now() > settleEnd) throw new Error('idle run: the pair did not settle into one MASTER and one BACKUP');
    await new Promise((r) => setTimeout(r, 500));
  }
  const lines0 = dl.nodes.map((n) => n.lines.length);
  const cpu0 = dl.nodes.map((n) => cpu(n.pid));
  const t0 = performance.now();
  const wall0 = Date.now();
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  const secs = (performance.now() - t0) / 1000;
  const used = dl.nodes.reduce((sum, n, i) => sum + cpu(n.pid) - cpu0[i]!, 0);
  const masters = dl.nodes.flatMap((n, i) =>
    n.lines
      .slice(lines0[i])
      .filter((l) => { const m = STATE_LINE.exec(l.text); return m?.[1] === dl.instance && m[2] === 'MASTER'; })
      .map((l) => `${n.name} +${Math.round((n.vm.startedAt + l.t - wall0) / 1000)} s`),
  );
  return { transitions: masters.length, cpuPercent: Math.round((used / secs) * 1000) / 10, at: masters };
}

/** How long the pair must have been without a VRRP transition before the idle window starts. */
const IDLE_QUIET_MS = 15_000;

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e: unknown) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
