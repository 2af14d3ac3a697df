/**
 * `npm run bench`: build and boot numbers, measured (not asserted). Writes JSON to
 * bench/results/<name>-<date>.json and prints a readable table. What each part measures and the
 * options: USAGE below (`npm run bench -- --help`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Vm, type VmSpec } from '../builder/vm/qemu.js';
import { defaultCacheDir, projectRoot } from '../builder/context.js';
import type { Manifest } from '../builder/stages/manifest.js';
import {
  startDrillLab,
  drillScenario,
  settledPair,
  STATE_LINE,
  writeLabStick,
  type DrillLab,
} from '../builder/drill/drill.js';
import { startHeartbeatLab } from '../builder/drill/heartbeat-lab.js';
import { heartbeatDrill, heartbeatIdleRun } from '../builder/drill/heartbeat-drill.js';
import { createLogger } from '../builder/log.js';
import { run } from '../builder/exec.js';
import { vmMac } from '../builder/vm/plan.js';
import { startCpuMeter } from '../builder/vm/cpu.js';
import { startHostLateness } from '../builder/vm/host-latency.js';
import { captureAdverts } from '../builder/drill/advert-capture.js';
import { idleGapsText } from '../builder/drill/advert-gaps.js';
import { formatSizeReport } from '../builder/stages/sizes.js';
import { bootTimeline, formatTimeline, medianTimeline, type Milestone } from './timeline.js';
import { benchValidate, cpuCalibration } from './validate.js';
import { labKernelArgs } from '../builder/stages/kernel-args.js';
import { compareToBaseline, formatRatio, summarize, type DrillReport } from '../builder/drill/report.js';
import { FAST_ADVERT_MS, labConfig, stockLabel, type Timers } from '../builder/drill/lab-config.js';
import { HEARTBEAT_TIMERS, heartbeatTimersLabel } from '../builder/drill/heartbeat-config.js';

/** What `npm run bench -- --help` prints. */
export const USAGE = `usage: npm run bench -- [--only PART[,PART…]] [options]

Measures (not asserts) and writes bench/results/<name>-<date>.json and a readable table.
Parts (--only; default all):
  build           cold build (mmdebstrap + every stage, apt downloads cached, nothing else),
                  warm rebuild after an overlay change, and the sizes of the director's ISO
                  and initrd with where the unpacked bytes go
  boot            kernel-reported seconds at the ready line, TCG, 512 MiB, director with its
                  config stick and NICs, median of --runs (default 5), with the boot timeline
                  (kernel → /init → Node → early-boot steps → config → roles → ready), the
                  same through SeaBIOS + GRUB from the ISO, and kernel+initrd with 2 vCPUs
  drill           failover drills of a router pair (poweroff): stock keepalived first (VRRPv2,
                  1 s adverts, the baseline), then ours at the default and the fast timers:
                  p50/p95/max over --drill-runs (default 20) each and ours ÷ stock, then an idle
                  run of the pair at the fast timers for --idle-minutes (default 10; 0 skips it):
                  spontaneous failovers, the host CPU QEMU used, the gaps between the master's
                  adverts on the wire (tcpdump) against the backup's master-down interval, and
                  how late the host woke a sleeping thread meanwhile
  carp            the router pair over CARP: stock ucarp (advbase 1, advskew 0 and 100,
                  deadratio 3) and ours (advskew 0 and 20, dead_ratio 2), --carp-runs (default
                  10) each, with ours ÷ stock
  director        poweroff drills of an LVS director pair (NAT to three backends, default
                  timers): p50/p95/max over --director-runs (default 10)
  firewall        poweroff drills of the stateful firewall pair under 20 + 20 long-lived
                  connections (masquerade, port forward), with conntrackd and without it:
                  surviving connections and failover p50 over --firewall-runs (default 5)
  heartbeat       poweroff drills of the heartbeat pair (DRBD + records service, the client
                  writing a record every 50 ms) at heartbeat's built-in defaults (keepalive 1 s,
                  deadtime 30 s, the baseline) and at the fast timers: p50/p95/max, ours ÷
                  stock and acknowledged records lost over --heartbeat-runs (default 10) each
                  (--timers stock or fast: only that pair), then an idle run of the fast pair for
                  --idle-minutes: peers declared dead, late heartbeats and the longest gap
                  heartbeat saw, DRBD primaries, host CPU
  validate        validator throughput on a generated 10,000-virtual-server file, and the worst
                  time on the hostile files it must refuse (size, nesting, alias bomb, binary)

Options:
  --only PART[,PART…]       build, boot, drill, carp, director, firewall, heartbeat, validate
  --runs N                  boots for the boot timeline (default 5)
  --drill-runs N            router drills per timer set (default 20)
  --idle-minutes N          idle run of the fast router and heartbeat pairs (default 10; 0 skips)
  --timers T[,T…]           stock, default, fast (default all; heartbeat: stock or fast)
  --fast-advert-ms N[xD][,…] fast advert intervals to drill, each in its own lab (default 20);
                            xD: the backup takes over after D missed adverts (down_timer_adverts)
  --fast-drill-runs N[,N…]  drills per fast interval (default: --drill-runs)
  --carp-runs N             (default 10)
  --director-runs N         (default 10)
  --firewall-runs N         (default 5)
  --heartbeat-runs N        (default 10)
  -h, --help                this text

Exit codes: 0 measured, 1 a measurement failed, 2 a usage error.
`;

const PARTS = ['build', 'boot', 'drill', 'carp', 'director', 'firewall', 'heartbeat', 'validate'];

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/**
 * The bench's command line, checked: unknown options, unknown parts and values that are not
 * counts are usage errors. `help` when --help was asked. Pure.
 */
export function parseBenchArgs(
  argv: string[],
): { help: true } | { help: false; values: Record<string, string | undefined> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        only: { type: 'string' },
        runs: { type: 'string' },
        'drill-runs': { type: 'string' },
        'idle-minutes': { type: 'string' },
        timers: { type: 'string' },
        'director-runs': { type: 'string' },
        'firewall-runs': { type: 'string' },
        'heartbeat-runs': { type: 'string' },
        'carp-runs': { type: 'string' },
        'fast-advert-ms': { type: 'string' },
        'fast-drill-runs': { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) return { help: true };
  const { help: _help, ...values } = parsed.values;
  for (const part of (values.only ?? '').split(',').filter(Boolean))
    if (!PARTS.includes(part)) throw new UsageError(`--only: unknown part '${part}' (expected ${PARTS.join(', ')})`);
  for (const t of (values.timers ?? '').split(',').filter(Boolean))
    if (!['stock', 'default', 'fast'].includes(t))
      throw new UsageError(`--timers: unknown timers '${t}' (expected stock, default, fast)`);
  for (const [k, v] of Object.entries(values))
    if (v !== undefined && k !== 'only' && k !== 'timers' && k !== 'fast-advert-ms')
      for (const n of v.split(','))
        if (!/^\d{1,6}$/.test(n)) throw new UsageError(`--${k}: '${n}' is not a whole number`);
  if (values['fast-advert-ms'] !== undefined) parseFastSets(values['fast-advert-ms']);
  return { help: false, values: values as Record<string, string | undefined> };
}

/** One fast timer set of the router drill: the advert interval and, when given, down_timer_adverts. */
export interface FastSet {
  advertMs: number;
  downAdverts?: number;
}

/**
 * `--fast-advert-ms 20,10x4`: each item an advert interval in ms, optionally `x` the adverts a
 * backup misses before it takes over (keepalived down_timer_adverts; the RFCs' 3 without). Pure.
 */
export function parseFastSets(text: string): FastSet[] {
  return text.split(',').map((item) => {
    const m = /^(\d{1,6})(?:x(\d{1,3}))?$/.exec(item);
    if (!m)
      throw new UsageError(`--fast-advert-ms: '${item}' is not an interval in ms, optionally xN (e.g. 20 or 10x4)`);
    const advertMs = Number(m[1]);
    if (advertMs < 10 || advertMs % 10 !== 0)
      throw new UsageError(`--fast-advert-ms: '${item}': VRRPv3 adverts are steps of 10 ms, at least 10`);
    if (m[2] === undefined) return { advertMs };
    const downAdverts = Number(m[2]);
    if (downAdverts < 1 || downAdverts > 100)
      throw new UsageError(`--fast-advert-ms: '${item}': down_timer_adverts must be 1-100`);
    return { advertMs, downAdverts };
  });
}

/** `20 ms adverts` or `10 ms adverts x 4`: a fast set as the bench's rows name it. Pure. */
export function fastSetLabel(f: FastSet): string {
  return `${f.advertMs} ms adverts${f.downAdverts === undefined ? '' : `, master down after ${f.downAdverts}`}`;
}

export interface Row {
  metric: string;
  value: number;
  unit: string;
  target?: string;
  detail?: string;
  /** A drill's distribution: every run's failover, ms. */
  samples?: number[];
  /** A drill measured against a baseline of the same run: which one, and ours ÷ baseline. */
  baseline?: { metric: string; ratio: { p50: number; p95: number; max: number } };
}

/**
 * A drill's row: p50 as the value, p95/max/n as detail, every run kept in the JSON and, with a
 * baseline row of the same run, ours ÷ baseline (a baseline row itself has none). Pure.
 */
export function drillRow(metric: string, r: DrillReport, target?: string, baseline?: Row, more = ''): Row {
  const samples = r.runs.map((x) => Math.round(x.failover_ms));
  const base = baseline?.samples?.length ? baseline : undefined;
  const c = base
    ? compareToBaseline(
        summarize(
          r.scenario,
          r.profile,
          base.samples!.map((ms) => ({ failover_ms: ms, lost_probes: 0 })),
        ),
        base.metric,
        r,
        metric,
      )
    : undefined;
  return {
    metric,
    value: r.p50_ms,
    unit: 'ms p50',
    ...(target ? { target } : {}),
    detail:
      `p95 ${r.p95_ms} ms, max ${r.max_ms} ms, n=${r.runs.length}` +
      (c ? `; ours ÷ stock: p50 ${formatRatio(c.ratio.p50)}, max ${formatRatio(c.ratio.max)}` : '') +
      more,
    samples,
    ...(c && base ? { baseline: { metric: base.metric, ratio: c.ratio } } : {}),
  };
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

async function timedBuild(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = performance.now();
  // The build's own progress lines go to our terminal; a failure names the command and its exit code.
  await run(process.execPath, [pillars, 'build', ...args], { env, interactive: true });
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

/** Boot once (with pillars.debug) and place the console's milestones on the kernel clock. */
async function bootTimelineOf(spec: VmSpec): Promise<Milestone[]> {
  const vm = Vm.start(spec);
  try {
    await vm.waitFor(/pillars: ready in (\d+\.\d+)s/, 240_000);
    return bootTimeline(vm.lines);
  } finally {
    await vm.stop();
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { values } = args;
  const only = new Set(values.only ? values.only.split(',') : PARTS);
  const runs = Number(values.runs ?? 5);
  const outRoot = join(projectRoot, 'out');
  const rows: Row[] = [];

  if (only.has('build')) {
    // Cold: a fresh cache that shares only the apt downloads.
    const cache = mkdtempSync(join(outRoot, '.bench-cache-'));
    mkdirSync(join(defaultCacheDir(), 'apt'), { recursive: true });
    symlinkSync(join(defaultCacheDir(), 'apt'), join(cache, 'apt'));
    const benchOut = mkdtempSync(join(outRoot, '.bench-out-'));
    try {
      const cold = await timedBuild(['--cache', cache, '--out', benchOut]);
      rows.push({
        metric: 'cold build (director)',
        value: round(cold),
        unit: 's',
        detail: 'mmdebstrap + all stages; apt downloads cached',
      });
      const warm = await timedBuild(['--cache', cache, '--out', benchOut], {
        ...process.env,
        PILLARS_BUILD_STAMP: String(Date.now()),
      });
      rows.push({ metric: 'warm rebuild after overlay change', value: round(warm), unit: 's', target: '≤ 10 s' });
      const m = JSON.parse(readFileSync(join(benchOut, 'director', 'manifest.json'), 'utf8')) as Manifest;
      const size = (p: string) => m.artifacts.find((a) => a.path === p)!.bytes / 1024 / 1024;
      rows.push({ metric: 'ISO size', value: round(size('pillars.iso')), unit: 'MiB', target: '≤ 48 MiB' });
      rows.push({ metric: 'initrd size', value: round(size('initrd.img')), unit: 'MiB', target: '≤ 40 MiB' });
      if (m.sizes)
        rows.push({
          metric: 'unpacked initramfs base',
          value: round(m.sizes.totalBytes / 1048576),
          unit: 'MiB',
          detail: m.sizes.packages
            .slice(0, 4)
            .map((p) => `${p.name} ${round(p.bytes / 1048576)}`)
            .join(', '),
        });
      rows.push({ metric: 'kernel modules kept', value: m.kernel.modules, unit: '' });
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(benchOut, { recursive: true, force: true });
    }
  }

  if (only.has('boot')) {
    await timedBuild([]);
    const dir = join(outRoot, 'director');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (m.sizes) for (const line of formatSizeReport(m.sizes)) console.log(line);
    // A director with its config stick and its three NICs, default stick wait, roles running.
    const stickDir = mkdtempSync(join(outRoot, '.bench-stick-'));
    const stick = await writeLabStick(join(stickDir, 'stick.img'), 'director', labConfig({ profile: 'director' }));
    const nics = [0, 1, 2].map((n) => ({ mac: vmMac(0, n) }));
    const direct: number[] = [];
    const timelines: Milestone[][] = [];
    const iso: number[] = [];
    const twoCpus: number[] = [];
    const timelines2: Milestone[][] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const spec: VmSpec = {
          name: `bench-direct-${i}`,
          memoryMiB: 512,
          sticks: [{ image: stick, as: 'usb' }],
          nics,
          boot: {
            kind: 'kernel',
            kernel: join(dir, 'vmlinuz'),
            initrd: join(dir, 'initrd.img'),
            append: labKernelArgs('pillars.debug'),
          },
        };
        const t = await bootTimelineOf(spec);
        timelines.push(t);
        direct.push(t[t.length - 1]!.at);
        iso.push(
          await bootSeconds({
            name: `bench-iso-${i}`,
            memoryMiB: 512,
            sticks: [{ image: stick, as: 'usb' }],
            nics,
            boot: { kind: 'cdrom', iso: join(dir, 'pillars.iso') },
          }),
        );
        // Director hardware has more than one core: the kernel loads the modules while Node starts.
        const t2 = await bootTimelineOf({ ...spec, name: `bench-smp2-${i}`, cpus: 2 });
        timelines2.push(t2);
        twoCpus.push(t2[t2.length - 1]!.at);
      }
    } finally {
      rmSync(stickDir, { recursive: true, force: true });
    }
    rows.push({
      metric: 'boot to ready, kernel+initrd (TCG, 512 MiB, stick + 3 NICs, director roles)',
      value: round(median(direct)),
      unit: 's',
      target: '≤ 8 s',
      detail: `kernel clock, median of ${runs}: ${direct.join(', ')}`,
    });
    rows.push({
      metric: 'boot to ready, ISO via SeaBIOS+GRUB (same stick)',
      value: round(median(iso)),
      unit: 's',
      target: '≤ 12 s',
      detail: `kernel clock, median of ${runs}: ${iso.join(', ')}`,
    });
    rows.push({
      metric: 'boot to ready, kernel+initrd, 2 vCPUs (same stick)',
      value: round(median(twoCpus)),
      unit: 's',
      detail: `kernel clock, median of ${runs}: ${twoCpus.join(', ')}`,
    });
    console.log(`boot timeline, kernel+initrd, median of ${runs} (kernel clock):`);
    for (const line of formatTimeline(medianTimeline(timelines))) console.log(line);
    console.log(`boot timeline, kernel+initrd, 2 vCPUs, median of ${runs} (kernel clock):`);
    for (const line of formatTimeline(medianTimeline(timelines2))) console.log(line);
  }

  if (only.has('drill')) {
    await timedBuild(['--profile', 'router']);
    const log = createLogger({ quiet: true });
    const imageDir = join(outRoot, 'router');
    const drillRuns = Number(values['drill-runs'] ?? 20);
    const timerSets = (values.timers ?? 'stock,default,fast')
      .split(',')
      .filter((t): t is Timers => t === 'stock' || t === 'default' || t === 'fast');
    // --fast-advert-ms 20,10 measures each fast advert interval (to see how far down it holds);
    // --fast-drill-runs gives the fast ones their own count (the goal is stated over 20 drills).
    const fastList = parseFastSets(values['fast-advert-ms'] ?? String(FAST_ADVERT_MS));
    // One count for all fast intervals, or one per interval in the same order (5,20).
    const fastRuns = (values['fast-drill-runs'] ?? String(drillRuns)).split(',').map(Number);
    const sets = timerSets.flatMap((timers): { timers: Timers; fast: FastSet; runs: number }[] =>
      timers === 'fast'
        ? fastList.map((fast, i) => ({ timers, fast, runs: fastRuns[i] ?? fastRuns[0]! }))
        : [{ timers, fast: { advertMs: FAST_ADVERT_MS }, runs: drillRuns }],
    );
    let stock: Row | undefined;
    for (const { timers, fast, runs: setRuns } of sets) {
      const dl = await startDrillLab({
        profile: 'router',
        timers,
        imageDir,
        log,
        ...(timers === 'fast' && (fast.advertMs !== FAST_ADVERT_MS || fast.downAdverts !== undefined)
          ? { configText: labConfig({ profile: 'router', timers, ...fast }) }
          : {}),
      });
      const label =
        timers === 'stock'
          ? `${stockLabel('vrrp')}, the baseline`
          : `pillars ${timers} timers (${timers === 'fast' ? fastSetLabel(fast) : '100 ms adverts'})`;
      const metric = `failover, poweroff, router pair, ${label}`;
      try {
        const r = await drillScenario(dl, 'poweroff', setRuns, log);
        const row = drillRow(
          metric,
          r,
          timers === 'fast' ? 'p50 ≤ 80 ms, max ≤ 200 ms' : timers === 'default' ? 'p50 ≤ 500 ms' : undefined,
          stock,
          phasesText(r),
        );
        rows.push(row);
        if (timers === 'stock') stock = row;
        if (timers === 'fast') {
          const minutes = Number(values['idle-minutes'] ?? 10);
          if (minutes > 0) {
            const idle = await idleRun(dl, minutes);
            rows.push({
              metric: `idle pair at fast timers (${fastSetLabel(fast)}), ${minutes} min`,
              value: idle.transitions,
              unit: 'spontaneous failovers',
              target: '0',
              detail: `host CPU of both QEMUs ${idle.cpuPercent}% of one core${idle.at.length ? `; MASTER at ${idle.at.join(', ')}` : ''}; ${idle.gaps}`,
            });
            if (idle.maxGapMs !== undefined)
              rows.push({
                metric: `same idle run: longest gap between the master's adverts on the wire`,
                value: idle.maxGapMs,
                unit: 'ms',
                target: `< ${dl.masterDownMs} ms (the backup's master-down interval)`,
              });
          }
        }
      } catch (e) {
        // A setting that flaps under emulation is a result too: the row says how it failed.
        const flaps = dl.nodes.reduce(
          (n, node) => n + node.lines.filter((l) => STATE_LINE.exec(l.text)?.[2] === 'MASTER').length,
          0,
        );
        rows.push({
          metric,
          value: NaN,
          unit: 'ms p50',
          detail: `failed: ${(e as Error).message}; ${flaps} MASTER transitions on the consoles`,
        });
        process.exitCode = 1;
      } finally {
        await dl.dispose();
      }
    }
  }

  if (only.has('carp')) {
    // The same router pair over CARP: ucarp's stock timers, then ours (advskew 20, dead_ratio 2).
    await timedBuild(['--profile', 'router']);
    const log = createLogger({ quiet: true });
    let stock: Row | undefined;
    for (const timers of ['stock', 'default'] as const) {
      const dl = await startDrillLab({
        profile: 'router',
        timers,
        failover: 'carp',
        imageDir: join(outRoot, 'router'),
        log,
      });
      try {
        const r = await drillScenario(dl, 'poweroff', Number(values['carp-runs'] ?? 10), log);
        const label =
          timers === 'stock' ? `${stockLabel('carp')}, the baseline` : 'pillars CARP (advskew 0 and 20, dead_ratio 2)';
        const row = drillRow(`failover, poweroff, router pair over CARP, ${label}`, r, undefined, stock);
        rows.push(row);
        if (timers === 'stock') stock = row;
      } finally {
        await dl.dispose();
      }
    }
  }

  if (only.has('director')) {
    await timedBuild(['--profile', 'director']);
    const dl = await startDrillLab({
      profile: 'director',
      timers: 'default',
      imageDir: join(outRoot, 'director'),
      log: createLogger({ quiet: true }),
    });
    try {
      const r = await drillScenario(
        dl,
        'poweroff',
        Number(values['director-runs'] ?? 10),
        createLogger({ quiet: true }),
      );
      rows.push(drillRow('failover, poweroff, director pair (LVS-NAT, 100 ms adverts)', r, 'p50 ≤ 500 ms'));
    } finally {
      await dl.dispose();
    }
  }

  if (only.has('firewall')) {
    await timedBuild(['--profile', 'firewall']);
    const quiet = createLogger({ quiet: true });
    for (const statesync of [true, false]) {
      const dl = await startDrillLab({
        profile: 'firewall',
        timers: 'default',
        imageDir: join(outRoot, 'firewall'),
        log: quiet,
        statesync,
      });
      try {
        const r = await drillScenario(dl, 'poweroff', Number(values['firewall-runs'] ?? 5), quiet);
        const conns = r.runs.map((x) => x.connections).filter((c): c is NonNullable<typeof c> => !!c);
        const survived = conns.reduce((a, c) => a + c.survived, 0);
        const total = conns.reduce((a, c) => a + c.total, 0);
        const resets = conns.reduce((a, c) => a + c.resets, 0);
        const label = statesync ? 'with conntrackd' : 'without conntrackd';
        rows.push({
          metric: `firewall pair, poweroff, ${label}: long-lived connections surviving`,
          value: total ? Math.round((1000 * survived) / total) / 10 : NaN,
          unit: '%',
          target: statesync ? '100 %' : '(shows the loss)',
          detail: `${survived}/${total}, ${resets} reset, n=${r.runs.length}`,
        });
        if (statesync) rows.push(drillRow('failover, poweroff, firewall pair (100 ms adverts)', r, 'p50 ≤ 500 ms'));
      } finally {
        await dl.dispose();
      }
    }
  }

  if (only.has('heartbeat')) {
    await timedBuild(['--profile', 'heartbeat']);
    let stock: Row | undefined;
    // --timers stock,fast (or one of them) picks the heartbeat pairs too; both by default.
    const hbTimers = (['stock', 'fast'] as const).filter(
      (t) => values.timers === undefined || values.timers.split(',').includes(t),
    );
    for (const timers of hbTimers) {
      const metric = `failover, poweroff, heartbeat pair, ${heartbeatTimersLabel(timers)}${timers === 'stock' ? ', the baseline' : ''}`;
      let hl: Awaited<ReturnType<typeof startHeartbeatLab>> | undefined;
      try {
        hl = await startHeartbeatLab({ imageDir: join(outRoot, 'heartbeat'), timers, log: () => {} });
        const r = await heartbeatDrill(
          hl,
          'poweroff',
          Number(values['heartbeat-runs'] ?? 10),
          createLogger({ quiet: true }),
        );
        const lost = r.runs.reduce((sum, x) => sum + x.lost_probes, 0);
        const row = drillRow(
          metric,
          r,
          timers === 'fast' ? 'p50 ≤ 2000 ms' : undefined,
          stock,
          `; acknowledged records lost ${lost}; fault → first write acknowledged by the other node (DRBD promote + mount + service)`,
        );
        rows.push(row);
        if (timers === 'stock') stock = row;
        const minutes = Number(values['idle-minutes'] ?? 10);
        if (timers === 'fast' && minutes > 0) {
          const idle = await heartbeatIdleRun(hl, minutes);
          const t = HEARTBEAT_TIMERS.fast;
          rows.push({
            metric: `idle heartbeat pair at fast timers (keepalive ${t.keepalive} ms, deadtime ${t.deadtime} ms), ${minutes} min`,
            value: idle.deaths.length,
            unit: 'spontaneous failovers',
            target: '0',
            detail:
              `late heartbeats (> warntime ${t.warntime} ms) ${idle.late}` +
              (idle.longestGapMs === undefined ? '' : `, longest gap ${idle.longestGapMs} ms`) +
              `; DRBD primaries at the end ${idle.primaries}; host CPU of both QEMUs ${idle.cpuPercent}% of one core` +
              (idle.deaths.length ? `; ${idle.deaths.join(', ')}` : '') +
              (idle.acquired.length ? `; group acquired by ${idle.acquired.join(', ')}` : ''),
          });
        }
      } catch (e) {
        // A pair that does not come up or fail over is a result too; the rest of the bench goes on.
        rows.push({ metric, value: NaN, unit: 'ms p50', detail: `failed: ${(e as Error).message}` });
        process.exitCode = 1;
      } finally {
        await hl?.dispose();
      }
    }
  }

  if (only.has('validate')) {
    const v = benchValidate();
    rows.push({
      metric: `validator, ${v.virtualServers.toLocaleString('en')} virtual servers (${round(v.bytes / 1048576)} MiB)`,
      value: Math.round(v.ms),
      unit: 'ms',
      target: '< 1000 ms',
      detail: `${Math.round(v.virtualServers / (v.ms / 1000)).toLocaleString('en')} virtual servers/s, median of 3; ${Math.round(v.cpuMs)} ms CPU`,
    });
    rows.push({
      metric: 'validator, worst hostile file',
      value: Math.round(v.hostileMs),
      unit: 'ms',
      target: '< 1000 ms',
      detail: `${v.hostileWorst}; ${Math.round(v.hostileCpuMs)} ms CPU`,
    });
    rows.push({
      metric: 'CPU calibration: 10^8 additions',
      value: Math.round(cpuCalibration()),
      unit: 'ms CPU',
      detail: 'about 80 ms on a quiet core; scale the validator times by it',
    });
  }

  const result = { date: new Date().toISOString(), host: { cpus: (await import('node:os')).cpus().length }, rows };
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  // One file per run: a second run of the same sections on the same day gets the time in its name.
  const stem = join(projectRoot, 'bench', 'results', `${[...only].sort().join('-')}-${result.date.slice(0, 10)}`);
  const file = existsSync(`${stem}.json`)
    ? `${stem}-${result.date.slice(11, 16).replace(':', '')}.json`
    : `${stem}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(formatTable(rows));
  console.log(`\nresults: ${file}`);
}

/**
 * Leave a settled pair alone and count the failovers (MASTER transitions of VI_LAN) and the CPU
 * time its QEMU processes used. After the drills the last restored node may still be about to take
 * MASTER back (preemption): the window starts only once the pair has been quiet for IDLE_QUIET_MS.
 * Meanwhile tcpdump on the lan bridge times the master's adverts and a worker thread times the
 * host's wake-ups, so a takeover (or a near miss) can be told apart: a master that went quiet
 * longer than the backup's master-down interval, and whether the host was late at the time.
 */
async function idleRun(
  dl: DrillLab,
  minutes: number,
): Promise<{ transitions: number; cpuPercent: number; at: string[]; gaps: string; maxGapMs?: number }> {
  const settleEnd = Date.now() + 180_000;
  while (!settledPair(dl.nodes, dl.instance, IDLE_QUIET_MS)) {
    if (Date.now() > settleEnd) throw new Error('idle run: the pair did not settle into one MASTER and one BACKUP');
    await new Promise((r) => setTimeout(r, 500));
  }
  const capture = await captureAdverts(dl.lab, 'lan');
  const host = startHostLateness(HOST_LATE_MS);
  const lines0 = dl.nodes.map((n) => n.lines.length);
  const wall0 = Date.now();
  let cpu = 0;
  let failed: unknown;
  try {
    const cpuPercent = startCpuMeter(() => dl.nodes.map((n) => n.pid));
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    cpu = cpuPercent();
  } catch (e) {
    failed = e;
  }
  // Stopped on a failure too: a running meter thread would keep the benchmark from exiting.
  const late = await host.stop();
  const gaps = await capture.stop();
  if (failed !== undefined) throw failed;
  const master = gaps.summary(dl.masterDownMs)[0];
  const masters = dl.nodes.flatMap((n, i) =>
    n.lines
      .slice(lines0[i])
      .filter((l) => {
        const m = STATE_LINE.exec(l.text);
        return m?.[1] === dl.instance && m[2] === 'MASTER';
      })
      .map((l) => `${n.name} +${Math.round((n.vm.startedAt + l.t - wall0) / 1000)} s`),
  );
  return {
    transitions: masters.length,
    cpuPercent: cpu,
    at: masters,
    gaps: idleGapsText(master, dl.masterDownMs, { ...late, thresholdMs: HOST_LATE_MS }),
    ...(master ? { maxGapMs: master.maxMs } : {}),
  };
}

/** A host wake-up this much later than asked counts as late. */
const HOST_LATE_MS = 5;

/** How long the pair must have been without a VRRP transition before the idle window starts. */
const IDLE_QUIET_MS = 15_000;

/** `; detected 72 ms, VIPs up 80 ms (p50)`: the takeover's parts, when the console showed them. Pure. */
function phasesText(r: DrillReport): string {
  if (r.detect_p50_ms === undefined && r.vip_up_p50_ms === undefined) return '';
  return `; p50 detected ${r.detect_p50_ms ?? '?'} ms, VIPs up ${r.vip_up_p50_ms ?? '?'} ms`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e: unknown) => {
    const usage = e instanceof UsageError;
    console.error(`bench: ${(e as Error).message}${usage ? ' (see npm run bench -- --help)' : ''}`);
    process.exitCode = usage ? 2 : 1;
  });
}
