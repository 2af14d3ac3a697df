/** `pillars drill`: the failover drill in a private QEMU lab, with a table or JSON result. */
import type { Command } from './command.js';
import { EXIT, UserError } from '../errors.js';
import { makeContext, buildOptions } from './build.js';
import { parseCli } from './args.js';
import { build } from '../build.js';
import { PROBE_INTERVAL_MS, runDrill } from '../drill/drill.js';
import {
  compareToBaseline,
  formatComparison,
  formatReport,
  SCENARIOS,
  type DrillReport,
  type Scenario,
} from '../drill/report.js';
import type { Failover, LabProfile, Timers } from '../drill/lab-config.js';
import { FAST_ADVERT_MS, labChoices, stockLabel, timersChoice } from '../drill/lab-config.js';
import { heartbeatTimersLabel } from '../drill/heartbeat-config.js';
import { BAR_MS } from '../drill/bar.js';
import { startHeartbeatLab } from '../drill/heartbeat-lab.js';
import { heartbeatDrill, HEARTBEAT_SCENARIOS, type HeartbeatScenario } from '../drill/heartbeat-drill.js';

const USAGE =
  'usage: pillars drill [--profile router|director|firewall|heartbeat] [--runs N] [--scenario poweroff|crash|linkdown|partition] [--timers stock|default|fast] [--baseline] [--failover vrrp|carp] [--bfd] [--auto-failback] [--json]';

export interface DrillCli {
  profile: LabProfile | 'heartbeat';
  /** heartbeat: auto_failback on (default off). */
  autoFailback?: boolean;
  runs: number;
  scenario: Scenario;
  timers: Timers;
  failover: Failover;
  /** vrrp.bfd on the sync link, tracked by the sync group (VRRP pairs). */
  bfd?: boolean;
  /** Drill the anchor's stock timers first, then ours, in the same run, and compare. */
  baseline?: boolean;
  json: boolean;
  out?: string;
}

/** Parse and check the drill's options. Pure. */
export function drillOptions(argv: string[]): DrillCli {
  const { values, positionals } = parseCli(
    argv,
    {
      profile: { type: 'string', short: 'p' },
      runs: { type: 'string', short: 'n' },
      scenario: { type: 'string', short: 's' },
      timers: { type: 'string' },
      failover: { type: 'string' },
      bfd: { type: 'boolean' },
      'auto-failback': { type: 'boolean' },
      baseline: { type: 'boolean' },
      json: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
    },
    USAGE,
  );
  const bad = (m: string) => new UserError(m, { hint: USAGE, exitCode: EXIT.usage });
  if (positionals.length) throw bad(`unexpected argument '${positionals[0]}'`);
  if (values.profile === 'heartbeat') return heartbeatDrillOptions(values, bad);
  if (values['auto-failback'] !== undefined) throw bad('--auto-failback is for --profile heartbeat');
  if (values.bfd === true && values.failover === 'carp')
    throw bad('--bfd is for VRRP: keepalived runs the BFD session and its instances track it');
  const { profile, timers, failover } = labChoices(values, 'router', bad);
  const scenario = (values.scenario as string | undefined) ?? 'poweroff';
  if (!(SCENARIOS as readonly string[]).includes(scenario))
    throw bad(`--scenario must be one of ${SCENARIOS.join(', ')}, got '${scenario}'`);
  if (failover === 'carp' && scenario === 'crash') {
    throw bad(
      '--scenario crash is for VRRP: a killed ucarp is restarted at once and races the backup for the VIP, so there is no single failover to time; use poweroff, linkdown or partition',
    );
  }
  if (values.baseline === true && timers === 'stock')
    throw bad('--baseline drills the stock timers next to ours: pick --timers default or fast for ours');
  const runsText = (values.runs as string | undefined) ?? '3';
  const runs = Number(runsText);
  if (!/^\d+$/.test(runsText) || runs < 1 || runs > 100)
    throw bad(`--runs must be a whole number from 1 to 100, got '${runsText}'`);
  return {
    profile,
    runs,
    scenario: scenario as Scenario,
    timers,
    failover,
    ...(values.bfd === true ? { bfd: true } : {}),
    ...(values.baseline === true ? { baseline: true } : {}),
    json: values.json === true,
    ...(values.out ? { out: values.out as string } : {}),
  };
}

/** `--profile heartbeat`: scenarios poweroff, crash, linkdown; timers fast (keepalive 150 ms, deadtime 600 ms) or default (heartbeat's classic 2 s / 30 s). Pure. */
function heartbeatDrillOptions(values: Record<string, unknown>, bad: (m: string) => Error): DrillCli {
  const scenario = (values.scenario as string | undefined) ?? 'poweroff';
  if (!(HEARTBEAT_SCENARIOS as readonly string[]).includes(scenario))
    throw bad(
      `--scenario must be one of ${HEARTBEAT_SCENARIOS.join(', ')} with --profile heartbeat, got '${scenario}'`,
    );
  const timers = timersChoice(values.timers, 'fast', bad);
  if (values.failover !== undefined) throw bad('--failover is for router and director; heartbeat is the failover');
  if (values.bfd !== undefined) throw bad('--bfd is for VRRP pairs (keepalived runs the BFD session)');
  if (values.baseline === true && timers === 'stock')
    throw bad('--baseline drills the stock timers next to ours: pick --timers default or fast for ours');
  const runsText = (values.runs as string | undefined) ?? '3';
  const runs = Number(runsText);
  if (!/^\d+$/.test(runsText) || runs < 1 || runs > 100)
    throw bad(`--runs must be a whole number from 1 to 100, got '${runsText}'`);
  return {
    profile: 'heartbeat',
    runs,
    scenario: scenario as Scenario,
    timers,
    failover: 'vrrp',
    ...(values.baseline === true ? { baseline: true } : {}),
    autoFailback: values['auto-failback'] === true,
    json: values.json === true,
    ...(values.out ? { out: values.out as string } : {}),
  };
}

export const drillCommand: Command = {
  name: 'drill',
  summary: 'boot a pair in a private QEMU lab, fault the master, measure the failover',
  help: `${USAGE}

Boots two appliances of the profile (kernel + initrd from out/<profile>/, built first if
missing) with lab sticks, in a private network namespace with a client and a server behind the
pair (three HTTP backends for the director). Every ${PROBE_INTERVAL_MS} ms the client asks through the pair: via
the router's lan VIP as gateway (over CARP: the router's own status page), the director's VIP,
the firewall's port forward. The pair settles for twice its master-down interval first; at a
random moment the master is faulted:
  poweroff   SIGKILL of the master's QEMU (power loss)              (default)
  crash      kill -9 of keepalived on the master (VRRP only)
  linkdown   the master's LAN NIC loses carrier
  partition  only the link between the two nodes is cut, then healed: exactly one master must
             remain and clients must reach it
and the gap until the next answer is measured (a crash from the guest's mark just before the
kill, a linkdown from QEMU's answer). The failed node is restored and the drill
repeats. Timers: default (the profile's, 100 ms adverts), fast (${FAST_ADVERT_MS} ms adverts) or stock
(keepalived's own defaults: VRRPv2, 1 s adverts; for CARP ucarp's: advbase 1, advskew 0 and 100,
deadratio 3; for heartbeat its own: keepalive 1 s, deadtime 30 s).
Failover: vrrp (keepalived, default) or carp (ucarp, 1 s advbase; router profile only).
--baseline drills the stock timers first and then ours (--timers), each in a freshly booted lab of
the same kind in the same run, and prints both distributions and ours ÷ baseline (p50, p95, max);
only ours is held to the bar.
Firewall pair: each run also holds 20 long-lived TCP connections through masquerade and 20
through a port forward, and reports how many still carry data after the fault (conntrackd).

options:
  -p, --profile router|director|firewall|heartbeat   (default router)
  -n, --runs N                    (default 3)
  -s, --scenario NAME             (default poweroff)
      --timers stock|default|fast (default default; heartbeat: fast)
      --baseline                  the stock timers first, then ours, compared
      --failover vrrp|carp        (default vrrp)
      --bfd                       VRRP: keepalived's BFD on the sync link (vrrp.bfd, 50 ms x 5),
                                  tracked by the sync group
      --auto-failback             heartbeat: auto_failback on (default off)

--profile heartbeat boots the heartbeat pair (ucast + the ttyS1 null-modem cable, DRBD on a
virtio disk per node, the lab power controller as STONITH device); the client writes a record
every 50 ms through the service on the VIP, and a run fails when an acknowledged record is lost.
Scenarios: poweroff, crash (kill -9 heartbeat), linkdown (no failover may happen while the serial
link carries heartbeats), partition (both heartbeat links cut: one node fences the other through
the lab's power controller; exactly one node and one DRBD primary remain). Timers: fast (keepalive
150 ms, deadtime 600 ms, default), default (the model's, heartbeat's classic ha.cf 2 s / 30 s) or stock
(heartbeat's built-in 1 s / 30 s).
      --json                      print {"scenario","runs":[{"failover_ms","lost_probes","detect_ms"?,
                                  "vip_up_ms"?,"connections"?}],"p50_ms","p95_ms","max_ms","detect_p50_ms"?,
                                  "vip_up_p50_ms"?}: detect/vip_up are when the new master noticed and set
                                  the VIPs (its console), failover_ms when a client got an answer;
                                  with --baseline {"baseline":{…,"settings"},"ours":{…,"settings"},
                                  "ratio":{"p50","p95","max"}} (ours ÷ baseline)
  -o, --out DIR                   output root of the images (default out/)

Needs root (network namespaces) and QEMU. Every namespace, tap and VM is removed at the end,
also on failure or Ctrl-C.
Exit codes: 0 every failover under ${BAR_MS} ms (and, for the firewall, every connection
survived), 1 a failover took longer or failed or connections were lost, 2 usage error.`,
  async run(argv, ctx) {
    const o = drillOptions(argv);
    const bopts = buildOptions(['--profile', o.profile, ...(o.out ? ['--out', o.out] : [])]);
    const bctx = makeContext(bopts, ctx);
    await build(bctx); // incremental: seconds when only the overlay changed
    const drillAt = async (timers: Timers): Promise<DrillReport> => {
      if (o.profile !== 'heartbeat')
        return runDrill({
          profile: o.profile,
          scenario: o.scenario,
          runs: o.runs,
          timers,
          failover: o.failover,
          ...(o.bfd ? { bfd: true } : {}),
          imageDir: bctx.outDir,
          log: ctx.log,
        });
      const hl = await startHeartbeatLab({
        imageDir: bctx.outDir,
        timers,
        autoFailback: o.autoFailback ?? false,
        log: (m) => ctx.log.info(`lab: ${m}`),
      });
      try {
        return await heartbeatDrill(hl, o.scenario as HeartbeatScenario, o.runs, ctx.log);
      } finally {
        await hl.dispose();
      }
    };
    if (o.baseline) {
      // The baseline first, in the same lab and run, then ours: only ours is held to the bar.
      const kind = o.profile === 'heartbeat' ? 'heartbeat' : o.failover;
      ctx.log.info(`drill: baseline, ${stockLabel(kind)}`);
      const base = await drillAt('stock');
      ctx.log.info(`drill: ours, ${timersLabel(o)}`);
      const ours = await drillAt(o.timers);
      const c = compareToBaseline(base, stockLabel(kind), ours, timersLabel(o));
      ctx.stdout(o.json ? JSON.stringify(c) : formatComparison(c));
      return passes(o, ours) ? EXIT.ok : EXIT.failed;
    }
    const report = await drillAt(o.timers);
    ctx.stdout(o.json ? JSON.stringify(report) : formatReport(report));
    return passes(o, report) ? EXIT.ok : EXIT.failed;
  },
};

/**
 * Whether a drill meets the bar: every failover under it; heartbeat: every acknowledged record
 * survives and linkdown never moves the group; firewall: every long-lived connection survives. Pure.
 */
export function passes(o: Pick<DrillCli, 'profile' | 'scenario'>, report: DrillReport): boolean {
  return o.profile === 'heartbeat'
    ? report.runs.every(
        (r) => r.lost_probes === 0 && (o.scenario === 'linkdown' ? r.failover_ms === 0 : r.failover_ms < BAR_MS),
      )
    : report.runs.every(
        (r) => r.failover_ms < BAR_MS && (!r.connections || r.connections.survived === r.connections.total),
      );
}

/** Ours, in words: the timers a drill ran. Pure. */
export function timersLabel(o: Pick<DrillCli, 'profile' | 'timers' | 'failover' | 'bfd'>): string {
  if (o.profile === 'heartbeat') return heartbeatTimersLabel(o.timers);
  if (o.timers === 'stock') return stockLabel(o.failover);
  if (o.failover === 'carp') return 'pillars CARP (advbase 1, advskew 0 and 20, dead_ratio 2)';
  const advert = o.timers === 'fast' ? `${FAST_ADVERT_MS} ms` : '100 ms';
  return `pillars VRRPv3, ${advert} adverts${o.bfd ? ', BFD on the sync link' : ''}`;
}
