/** `pillars drill`: the failover drill in a private QEMU lab, with a table or JSON result. */
import type { Command } from './command.js';
import { EXIT, UserError } from '../errors.js';
import { makeContext, buildOptions } from './build.js';
import { parseCli } from './args.js';
import { build } from '../build.js';
import { runDrill } from '../drill/drill.js';
import { formatReport, SCENARIOS, type Scenario } from '../drill/report.js';
import type { Failover, LabProfile, Timers } from '../drill/lab-config.js';
import { FAST_ADVERT_MS, labChoices } from '../drill/lab-config.js';
import { BAR_MS } from '../drill/bar.js';
import { startHeartbeatLab } from '../drill/heartbeat-lab.js';
import { heartbeatDrill, HEARTBEAT_SCENARIOS, type HeartbeatScenario } from '../drill/heartbeat-drill.js';

const USAGE =
  'usage: pillars drill [--profile router|director|firewall|heartbeat] [--runs N] [--scenario poweroff|crash|linkdown|partition] [--timers default|fast] [--failover vrrp|carp] [--bfd] [--auto-failback] [--json]';

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
  if (failover === 'carp' && timers === 'fast')
    throw bad('--timers fast is for VRRP; CARP adverts are whole seconds (advbase)');
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
    json: values.json === true,
    ...(values.out ? { out: values.out as string } : {}),
  };
}

/** `--profile heartbeat`: scenarios poweroff, crash, linkdown; timers fast (keepalive 200 ms, deadtime 1 s) or default (heartbeat's classic 2 s / 30 s). Pure. */
function heartbeatDrillOptions(values: Record<string, unknown>, bad: (m: string) => Error): DrillCli {
  const scenario = (values.scenario as string | undefined) ?? 'poweroff';
  if (!(HEARTBEAT_SCENARIOS as readonly string[]).includes(scenario))
    throw bad(
      `--scenario must be one of ${HEARTBEAT_SCENARIOS.join(', ')} with --profile heartbeat, got '${scenario}'`,
    );
  const timers = (values.timers as string | undefined) ?? 'fast';
  if (timers !== 'default' && timers !== 'fast') throw bad(`--timers must be default or fast, got '${timers}'`);
  if (values.failover !== undefined) throw bad('--failover is for router and director; heartbeat is the failover');
  if (values.bfd !== undefined) throw bad('--bfd is for VRRP pairs (keepalived runs the BFD session)');
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
missing) with lab sticks, in a private network namespace with a client (and three HTTP backends
for the director, one server inside for the firewall). The client asks the VIP every ${20} ms; at a random moment the master is faulted:
  poweroff   SIGKILL of the master's QEMU (power loss)              (default)
  crash      kill -9 of keepalived on the master (VRRP only)
  linkdown   the master's LAN NIC loses carrier
  partition  only the link between the two nodes is cut, then healed: exactly one master must
             remain and clients must reach it
and the gap until the other node answers is measured. The failed node is restored and the drill
repeats. Timers: default (the profile's, 100 ms adverts) or fast (${FAST_ADVERT_MS} ms adverts).
Failover: vrrp (keepalived, default) or carp (ucarp, 1 s advbase; router profile only).
Firewall pair: each run also holds 20 long-lived TCP connections through masquerade and 20
through a port forward, and reports how many still carry data after the fault (conntrackd).

options:
  -p, --profile router|director|firewall|heartbeat   (default router)
  -n, --runs N                    (default 3)
  -s, --scenario NAME             (default poweroff)
      --timers default|fast       (default default)
      --failover vrrp|carp        (default vrrp)
      --bfd                       VRRP: keepalived's BFD on the sync link (vrrp.bfd, 50 ms x 5),
                                  tracked by the sync group
      --auto-failback             heartbeat: auto_failback on (default off)

--profile heartbeat boots the heartbeat pair (ucast + the ttyS1 null-modem cable, DRBD on a
virtio disk per node, the lab power controller as STONITH device); the client writes a record
every 50 ms through the service on the VIP, and a run fails when an acknowledged record is lost.
Scenarios: poweroff, crash (kill -9 heartbeat), linkdown (no failover may happen while the serial
link carries heartbeats), partition (both heartbeat links cut: one node fences the other through
the lab's power controller; exactly one node and one DRBD primary remain). Timers: fast (keepalive 200 ms, deadtime 1 s, default) or default
(heartbeat's classic 2 s / 30 s).
      --json                      print {"scenario","runs":[{"failover_ms","lost_probes","detect_ms"?,
                                  "vip_up_ms"?,"connections"?}],"p50_ms","p95_ms","max_ms","detect_p50_ms"?,
                                  "vip_up_p50_ms"?}: detect/vip_up are when the new master noticed and set
                                  the VIPs (its console), failover_ms when a client got an answer
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
    let report;
    if (o.profile === 'heartbeat') {
      const hl = await startHeartbeatLab({
        imageDir: bctx.outDir,
        timers: o.timers,
        autoFailback: o.autoFailback ?? false,
        log: (m) => ctx.log.info(`lab: ${m}`),
      });
      try {
        report = await heartbeatDrill(hl, o.scenario as HeartbeatScenario, o.runs, ctx.log);
      } finally {
        await hl.dispose();
      }
    } else
      report = await runDrill({
        profile: o.profile,
        scenario: o.scenario,
        runs: o.runs,
        timers: o.timers,
        failover: o.failover,
        ...(o.bfd ? { bfd: true } : {}),
        imageDir: bctx.outDir,
        log: ctx.log,
      });
    ctx.stdout(o.json ? JSON.stringify(report) : formatReport(report));
    // heartbeat: every acknowledged record must survive too; linkdown must not move the group at all.
    // firewall: every long-lived connection must survive.
    const ok =
      o.profile === 'heartbeat'
        ? report.runs.every(
            (r) => r.lost_probes === 0 && (o.scenario === 'linkdown' ? r.failover_ms === 0 : r.failover_ms < BAR_MS),
          )
        : report.runs.every(
            (r) => r.failover_ms < BAR_MS && (!r.connections || r.connections.survived === r.connections.total),
          );
    return ok ? EXIT.ok : EXIT.failed;
  },
};
