/**
 * The failover drill: boot a pair in the lab, find the MASTER, put a client in the lab that asks
 * the VIP every 20 ms, fault the master at a random moment, and measure the gap from the fault to
 * the first answer served by the other node. Then restore the failed node and repeat.
 *
 * Scenarios: poweroff (SIGKILL of the master's QEMU: power loss), crash (kill -9 keepalived on the
 * master; VRRP only, `pillars drill` refuses it for CARP; the supervisor restarts it at once, so the
 * measure is the outage clients saw, whichever node serves afterwards), linkdown (the master's LAN NIC loses
 * carrier), partition (only the link between the two nodes is cut, then healed: afterwards exactly
 * one master must remain within 1 s and clients must reach it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Logger } from '../log.js';
import { UserError } from '../errors.js';
import { startApplianceLab } from '../vm/appliance-lab.js';
import type { Lab, LabHost, LabVm } from '../vm/lab.js';
import type { HostSpec } from '../vm/plan.js';
import { gapAfter, outageAfter, type ProbeSample } from '../vm/scripts.js';
import { guestExec, TEST_CHANNEL_PARAM } from '../vm/guest.js';
import type { BootMedium } from '../vm/qemu.js';
import { initStick } from '../stick/stick.js';
import { MtoolsStickFs } from '../stick/mtools.js';
import { saveConfig, type ProfileName } from '../../overlay/config/index.js';
import { loadConfig } from '../../overlay/config/load.js';
import {
  LAB_ADDRESSES,
  labConfig,
  labNodeName,
  watchedInstance,
  type Failover,
  type LabProfile,
  type Timers,
} from './lab-config.js';
import { escapeRe, takeoverPhases } from './phases.js';
import { masterDownMs, MIN_QUIET_MS, settleQuietMs } from './settle.js';
import { summarize, type ConnectionCount, type DrillReport, type DrillRun, type Scenario } from './report.js';
import { FIREWALL_LAB, firewallYaml } from './firewall-lab.js';
import { parseConnReport, survivors, type ConnResult } from '../vm/conn-scripts.js';
import { agentArgv } from '../vm/agents/launch.js';
import { labKernelArgs } from '../stages/kernel-args.js';

export const BOOT_TIMEOUT_MS = 300_000;
/** A failover that takes longer than this is a failed run (the mission's bar is 5 s). */
export const GIVE_UP_MS = 15_000;
/** How long the pair may take to settle into one MASTER and one BACKUP. */
export const SETTLE_TIMEOUT_MS = 180_000;
export const PROBE_INTERVAL_MS = 20;
/** A request unanswered this long counts as lost (an emulated box under load can take a few hundred ms). */
export const PROBE_TIMEOUT_MS = 1000;

/**
 * The supervisor's console line for every failover transition: `pillars: vrrp VI_LAN MASTER`
 * (keepalived) or `pillars: carp lan/51 MASTER` (ucarp). Group 1 is the instance key.
 */
export const STATE_LINE = /pillars: (?:vrrp|carp) (\S+) (MASTER|BACKUP|FAULT|STOP)\b/;
export const READY_LINE = /pillars: ready in \d+\.\d+s/;

export interface DrillOptions {
  profile: LabProfile;
  scenario: Scenario;
  runs: number;
  timers: Timers;
  /** vrrp (default) or carp (router only). */
  failover?: Failover;
  /** vrrp.bfd on the sync link, tracked by the sync group. */
  bfd?: boolean;
  /** out/<profile>/ with vmlinuz and initrd.img. */
  imageDir: string;
  log: Logger;
  /** Random source for the moment of the fault (tests may fix it). */
  random?: () => number;
  memoryMiB?: number;
}

/** The state of failover instance `instance` on a VM: its last console transition since boot. */
export function instanceState(lines: ReadonlyArray<{ text: string }>, instance = 'VI_LAN'): string | undefined {
  let state: string | undefined;
  for (const l of lines) {
    const m = STATE_LINE.exec(l.text);
    if (m && m[1] === instance) state = m[2];
  }
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, check: () => T | undefined | false, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < end && i < 1_000_000; i++) {
    const v = check();
    if (v) return v;
    await sleep(stepMs);
  }
  throw new UserError(`drill: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
}

/** No VRRP transition on any node for this long counts as settled (see settle.ts for a pair's own window). */
export const QUIET_MS = MIN_QUIET_MS;
/** After a partition heals, clients must reach the remaining master within this. */
export const REACH_AFTER_HEAL_MS = 3000;

/** The pair is one MASTER and one BACKUP and no node changed VRRP state in the last `quietMs`. */
export function settledPair(
  nodes: readonly LabVm[],
  instance = 'VI_LAN',
  quietMs = QUIET_MS,
  now = Date.now(),
): { master: LabVm; backup: LabVm } | undefined {
  const pair = masterAndBackup(nodes, instance);
  if (!pair) return undefined;
  for (const n of nodes) {
    const last = [...n.lines].reverse().find((l) => STATE_LINE.test(l.text));
    if (last && now - (n.vm.startedAt + last.t) < quietMs) return undefined;
  }
  return pair;
}

/** The single MASTER and BACKUP of the pair, or undefined while it is not settled. */
export function masterAndBackup(
  nodes: readonly LabVm[],
  instance = 'VI_LAN',
): { master: LabVm; backup: LabVm } | undefined {
  const states = nodes.map((n) => (n.alive ? instanceState(n.lines, instance) : undefined));
  const m = states.indexOf('MASTER');
  const b = states.indexOf('BACKUP');
  if (m < 0 || b < 0 || states.filter((s) => s === 'MASTER').length !== 1) return undefined;
  return { master: nodes[m]!, backup: nodes[b]! };
}

export interface DrillLabOptions {
  profile: LabProfile;
  timers: Timers;
  /** vrrp (default) or carp (router only). */
  failover?: Failover;
  imageDir: string;
  log: Logger;
  memoryMiB?: number;
  /** The stick config of both nodes (default: labConfig of the profile and timers). */
  configText?: string;
  /** vrrp.bfd on the sync link, tracked by the sync group. */
  bfd?: boolean;
  /** Hosts besides the client and the backends (see startApplianceLab). */
  extraHosts?: readonly HostSpec[];
  /** HTTP ports of the backends (default [80]). */
  httpPorts?: readonly number[];
  /** Runs in the lab after the hosts are up and before the nodes boot. */
  beforeBoot?: (lab: Lab) => Promise<void>;
  /** firewall profile: run conntrackd (default true). */
  statesync?: boolean;
  /** admin.watchdog with this timeout (s) in the default config, and QEMU's i6300ESB in each node. */
  watchdogS?: number;
}

/** A booted pair in its lab, settled into one MASTER and one BACKUP, with the client's URL. */
export interface DrillLab {
  profile: LabProfile;
  failover: Failover;
  /** The console key of the instance whose MASTER serves the VIP (VI_LAN, or lan/51 for CARP). */
  instance: string;
  /** No failover transition for this long counts as settled: twice the pair's master-down interval. */
  quietMs: number;
  /** The backup's longest master-down interval (ms; 0 when the config has no failover instance). */
  masterDownMs: number;
  lab: Lab;
  nodes: LabVm[];
  client: LabHost;
  url: string;
  /** The config stick image of each node (removed by dispose). */
  sticks: readonly string[];
  dispose(): Promise<void>;
}

/** One config stick per lab node (`<dir>/node1.img`…), each holding `configText` as its current generation. */
export async function writeLabSticks(
  dir: string,
  count: number,
  profile: LabProfile,
  configText: string,
): Promise<string[]> {
  const sticks: string[] = [];
  for (let i = 0; i < count; i++)
    sticks.push(await writeLabStick(join(dir, `${labNodeName(i)}.img`), profile, configText));
  return sticks;
}

/** A config stick image made the way `pillars stick init` + `save` make one, holding `configText`. */
export async function writeLabStick(image: string, profile: ProfileName, configText: string): Promise<string> {
  await initStick(image, { profile });
  await saveConfig(new MtoolsStickFs(image), configText);
  return image;
}

/** How lab nodes boot: kernel + initrd of `imageDir`, serial console, the test control channel. */
export function labBoot(imageDir: string): BootMedium {
  return {
    kind: 'kernel',
    kernel: join(imageDir, 'vmlinuz'),
    initrd: join(imageDir, 'initrd.img'),
    append: labKernelArgs(TEST_CHANNEL_PARAM),
  };
}

/** What the lab client asks on the VIP: the backends through the director, or the router's status page. */
export function serviceUrl(profile: LabProfile): string {
  if (profile === 'firewall') return `http://${FIREWALL_LAB.outsideVip}:${FIREWALL_LAB.forward.http}/`;
  return profile === 'director' ? `http://${LAB_ADDRESSES.lanVip}/` : `http://${LAB_ADDRESSES.lanVip}:8080/node`;
}

/**
 * What the drill's client asks: a server behind the pair, so every answer crossed the node that
 * holds the VIPs. Through the director's VIP (LVS), through the firewall's port forward, and for
 * the router a server on internal reached with the lan VIP as gateway: the first packet the new
 * master forwards, which is what a router's users wait for (the GARP burst on both sides, then
 * forwarding), not its own status page.
 */
export function probeUrl(profile: LabProfile, failover: Failover = 'vrrp'): string {
  // Over CARP the router drill asks the box itself: ucarp has no sync group, so when the master
  // loses only its lan link, internal's VIP stays there and the way back is cut (see README).
  return profile === 'router' && failover === 'vrrp' ? `http://${LAB_ADDRESSES.backend(0)}/` : serviceUrl(profile);
}

/**
 * Before each run the client and the server forget the gateway VIPs' MACs, so the path goes
 * through the current master: a backup forwards too, and a host that missed a gratuitous ARP
 * would still be sending through it when the master is faulted.
 */
async function freshPath(dl: DrillLab): Promise<void> {
  if (dl.profile === 'director') return;
  const lanVip = dl.profile === 'firewall' ? FIREWALL_LAB.outsideVip : LAB_ADDRESSES.lanVip;
  await dl.client.run('ip', ['neigh', 'flush', 'to', lanVip]);
  await dl.lab.host('web1').run('ip', ['neigh', 'flush', 'to', LAB_ADDRESSES.internalVip]);
}

/** Firewall drill: long-lived connections per path (through masquerade and through the port forward). */
export const DRILL_CONNECTIONS = 20;

/** The echo server on the firewall lab's server, for the long-lived connections. */
async function startEchoServer(lab: Lab): Promise<void> {
  const h = lab.host('web1');
  const d = h.spawn(process.execPath, agentArgv('conn-server', [h.name, String(FIREWALL_LAB.ports.conns)]));
  await d.output.waitFor(/"listening"/, 10_000);
}

/**
 * N long-lived connections through masquerade (to the server's address, routed via the outside
 * VIP) and N through the port forward on the outside VIP, each exchanging a line every 100 ms.
 */
export function startFirewallConnections(client: LabHost, count = DRILL_CONNECTIONS, durationMs = 120_000) {
  const f = FIREWALL_LAB;
  const spawn = (host: string, port: number) =>
    client.spawn(
      process.execPath,
      agentArgv('conn-client', [JSON.stringify({ host, port, count, intervalMs: 100, durationMs })]),
    );
  const paths = [spawn(f.server, f.ports.conns), spawn(f.outsideVip, f.forward.conns)];
  return {
    async connected(): Promise<number> {
      let n = 0;
      for (const p of paths)
        n += (JSON.parse(await p.output.waitFor(/"connected"/, 60_000)) as { connected: number }).connected;
      return n;
    },
    /** Stop the clients; the per-connection results of both paths (masquerade first). */
    async stop(): Promise<{ masquerade: ConnResult[]; forward: ConnResult[] }> {
      for (const p of paths) p.kill('SIGTERM');
      await Promise.all(paths.map((p) => p.output.ended));
      const [m, f2] = paths.map((p) => parseConnReport(p.output.lines) ?? []);
      return { masquerade: m!, forward: f2! };
    },
  };
}

/** Survivors of both paths since `since` (epoch ms), and resets. Pure. */
export function countConnections(
  r: { masquerade: ConnResult[]; forward: ConnResult[] },
  total: number,
  since: number,
): ConnectionCount {
  const all = [...r.masquerade, ...r.forward];
  return {
    survived: survivors(all, since).length,
    total,
    resets: all.filter((c) => c.error !== null && /ECONNRESET/.test(c.error)).length,
  };
}

export async function startDrillLab(o: DrillLabOptions): Promise<DrillLab> {
  const tmp = await mkdtemp(join(tmpdir(), 'pillars-drill-'));
  let sticks: string[];
  let quietMs = QUIET_MS;
  let downMs = 0;
  const director = o.profile === 'director';
  const firewall = o.profile === 'firewall';
  try {
    const configText =
      o.configText ??
      labConfig({
        profile: o.profile,
        timers: o.timers,
        failover: o.failover ?? 'vrrp',
        ...(o.bfd ? { bfd: true } : {}),
        ...(firewall ? { extraYaml: firewallYaml({ conntrackd: o.statesync ?? true }) } : {}),
        ...(o.watchdogS !== undefined ? { watchdogS: o.watchdogS } : {}),
      });
    const loaded = loadConfig(configText, 'lab config');
    if (loaded.ok) {
      quietMs = settleQuietMs(loaded.config);
      downMs = masterDownMs(loaded.config);
    }
    sticks = await writeLabSticks(tmp, 2, o.profile, configText);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  o.log.info(
    `drill: booting ${labNodeName(0)} and ${labNodeName(1)} (${o.profile}, ${o.timers} timers${o.bfd ? ', BFD' : ''}) in a private lab network`,
  );
  const { lab, nodes, client } = await startApplianceLab({
    nodes: 2,
    // The router and the firewall forward to one server on internal; the director balances three.
    backends: director ? 3 : 1,
    backendGateway: LAB_ADDRESSES.internalVip,
    memoryMiB: o.memoryMiB ?? 512,
    boot: () => labBoot(o.imageDir),
    sticks: (i) => [{ image: sticks[i]!, as: 'usb' }],
    ...(o.watchdogS !== undefined ? { watchdog: true } : {}),
    ...(o.extraHosts ? { extraHosts: o.extraHosts } : {}),
    ...(o.httpPorts ? { httpPorts: o.httpPorts } : {}),
    beforeBoot: async (lab: Lab) => {
      if (firewall) await startEchoServer(lab);
      // The client reaches the inside network through the pair: the router's and the firewall's
      // gateway VIP on lan (the director's VIP is the service itself).
      if (!director)
        await lab
          .host('client')
          .run('ip', [
            'route',
            'add',
            `${LAB_ADDRESSES.backend(0).replace(/\.\d+$/, '.0')}/24`,
            'via',
            firewall ? FIREWALL_LAB.outsideVip : LAB_ADDRESSES.lanVip,
          ]);
      await o.beforeBoot?.(lab);
    },
    log: (m) => o.log.info(`lab: ${m}`),
  }).catch(async (e: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  });
  const instance = watchedInstance(o.failover);
  const dl: DrillLab = {
    profile: o.profile,
    failover: o.failover ?? 'vrrp',
    instance,
    quietMs,
    masterDownMs: downMs,
    lab,
    nodes,
    client,
    url: probeUrl(o.profile, o.failover),
    sticks,
    async dispose() {
      await lab.dispose();
      await rm(tmp, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.waitFor(READY_LINE, BOOT_TIMEOUT_MS)));
    // Settled: a node that booted later may still take MASTER back (preemption).
    const pair = await until(
      'one MASTER and one BACKUP',
      SETTLE_TIMEOUT_MS,
      () => settledPair(nodes, instance, quietMs),
      200,
    );
    o.log.info(`drill: ${pair.master.name} is MASTER, ${pair.backup.name} is BACKUP`);
    await warmUp(client, dl.url);
  } catch (e) {
    await dl.dispose();
    throw e;
  }
  return dl;
}

/** Run `runs` faults of one scenario against whichever node is MASTER each time. */
export async function drillScenario(
  dl: DrillLab,
  scenario: Scenario,
  runs: number,
  log: Logger,
  random: () => number = Math.random,
): Promise<DrillReport> {
  const { lab, nodes, client, url, instance } = dl;
  const firewall = dl.profile === 'firewall';
  const results: DrillRun[] = [];
  for (let run = 1; run <= runs; run++) {
    const { master, backup } = await until(
      'one MASTER and one BACKUP',
      SETTLE_TIMEOUT_MS,
      () => settledPair(nodes, instance, dl.quietMs),
      200,
    );
    await freshPath(dl);
    const conns = firewall && scenario !== 'partition' ? startFirewallConnections(client) : undefined;
    const connTotal = conns ? await conns.connected() : 0;
    const probe = client.startProbe({
      url,
      intervalMs: PROBE_INTERVAL_MS,
      timeoutMs: PROBE_TIMEOUT_MS,
      durationMs: 60_000,
      count: 3000,
    });
    // Let conntrackd replicate the new connections before the fault.
    await sleep((conns ? 2000 : 1000) + random() * 1500);
    let faultAt = Date.now();
    let result: DrillRun;
    if (scenario === 'partition') {
      await lab.partition(master, backup);
      // Both become MASTER while they cannot hear each other; then heal.
      await until(
        'split brain (both MASTER)',
        GIVE_UP_MS,
        () => nodes.every((n) => instanceState(n.lines, instance) === 'MASTER'),
        20,
      ).catch(() => undefined);
      await sleep(1000);
      faultAt = Date.now();
      await lab.heal(master, backup);
      const settled = await until(
        'exactly one MASTER after healing',
        GIVE_UP_MS,
        () => masterAndBackup(nodes, instance),
        10,
      );
      const oneMasterMs = Date.now() - faultAt;
      // Clients must reach the remaining master (it re-announces the VIPs with gratuitous ARPs).
      const reached = await until(
        'a client answer after healing',
        REACH_AFTER_HEAL_MS,
        () => probe.live.some((s) => s.t >= faultAt + oneMasterMs && s.ok),
        20,
      ).catch(() => false);
      const samples = await probe.stop();
      const lost = samples.filter((s) => s.t >= faultAt && !s.ok).length;
      if (!reached)
        throw new UserError(
          `drill: after healing the partition no client request was answered within ${REACH_AFTER_HEAL_MS / 1000} s`,
        );
      result = { failover_ms: oneMasterMs, lost_probes: lost, from: 'split', to: settled.master.name };
    } else if (scenario === 'crash') {
      faultAt = await fault(scenario, master);
      // The supervisor restarts keepalived at once, and the restarted keepalived drops the VIPs it
      // left behind. Depending on who wins the race, the peer takes over (and the old master,
      // higher priority, preempts back), or the old master is MASTER again before the peer's
      // master-down timer runs out. Clients see one outage either way: that gap is the measure,
      // whoever serves afterwards; the pair must end with exactly one MASTER.
      const answered = await until(
        'clients answered again after the crash',
        GIVE_UP_MS,
        // Answers again after the last failure, and the quiet window since the fault: the restart and
        // any takeover are over (a probe that is only held up shows in the gap, not as a failure).
        () => outageAfter(probe.live, faultAt).ended && Date.now() - faultAt > dl.quietMs,
        50,
      ).catch(() => false);
      const samples = await probe.stop();
      const o = outageAfter(samples, faultAt);
      if (!answered || !o.ended)
        throw new UserError(
          `drill run ${run}: after keepalived crashed on ${master.name}, clients got no answer within ${GIVE_UP_MS / 1000} s`,
        );
      // The supervisor respawns keepalived (with a growing delay when it keeps crashing); the run
      // ends when the pair is one MASTER and one BACKUP again.
      const changed = () =>
        nodes.some((n) => n.lines.some((l) => n.vm.startedAt + l.t >= faultAt && STATE_LINE.test(l.text)));
      const settled = await until(
        'one MASTER and one BACKUP after the crash',
        SETTLE_TIMEOUT_MS,
        () => (changed() ? settledPair(nodes, instance, dl.quietMs) : undefined),
        200,
      );
      // Who served after the crash: the backup if it took over (its parts of the takeover say
      // where the time went), else the old master's restarted keepalived kept the VIPs.
      const tookOver = tookOverSince(backup, instance, faultAt);
      result = {
        failover_ms: Math.round(o.gapMs),
        lost_probes: o.lost,
        from: master.name,
        to: tookOver ? backup.name : settled.master.name,
        ...(tookOver ? takeoverPhases(backup.lines, backup.vm.startedAt, faultAt, dl.failover, instance) : {}),
      };
      if (conns)
        result.connections = await connectionsAfter(
          conns,
          connTotal,
          (o.first ? o.first.t + o.first.ms : faultAt) + 500,
        );
    } else {
      faultAt = await fault(scenario, master);
      const answered = await until(
        `an answer from ${backup.name}`,
        GIVE_UP_MS,
        () => firstAnswer(probe.live, faultAt),
        10,
      ).catch(() => undefined);
      await sleep(300);
      const samples = await probe.stop();
      const gap = gapAfter(samples, faultAt, master.name);
      // The takeover's console lines may come after the first answer: wait for them (bounded).
      await until(
        'the backup entering MASTER',
        TAKEOVER_LINES_MS,
        () => tookOverSince(backup, instance, faultAt),
        50,
      ).catch(() => undefined);
      if (!answered || !gap)
        throw new UserError(
          `drill run ${run}: ${backup.name} did not answer within ${GIVE_UP_MS / 1000} s after the ${scenario}`,
        );
      result = {
        failover_ms: Math.round(gap.gapMs),
        lost_probes: gap.lost,
        from: master.name,
        to: backup.name,
        ...takeoverPhases(backup.lines, backup.vm.startedAt, faultAt, dl.failover, instance),
      };
      if (conns) result.connections = await connectionsAfter(conns, connTotal, faultAt + gap.gapMs + 500);
      await restore(scenario, master);
    }
    results.push(result);
    const c = result.connections;
    log.info(
      `drill run ${run}/${runs}: ${scenario} of ${result.from} → ${result.to} answered after ${result.failover_ms} ms (${result.lost_probes} probes lost)${c ? `; long-lived connections survived ${c.survived}/${c.total} (${c.resets} reset)` : ''}`,
    );
  }
  return summarize(scenario, dl.profile, results);
}

/**
 * The long-lived connections that still carry data after `since` (epoch ms, just after the
 * takeover). Each exchanges a line every 100 ms: they get 5 s to show life (a connection that lost
 * segments in the gap retransmits with backoff).
 */
async function connectionsAfter(
  conns: ReturnType<typeof startFirewallConnections>,
  total: number,
  since: number,
): Promise<ConnectionCount> {
  await sleep(Math.max(0, since + 5000 - Date.now()));
  return countConnections(await conns.stop(), total, since);
}

/** How long the drill waits for the backup's MASTER line after the first answer. */
const TAKEOVER_LINES_MS = 5000;

/** Whether `vm` logged `instance` entering MASTER at or after `since` (epoch ms). */
function tookOverSince(vm: LabVm, instance: string, since: number): boolean {
  return vm.lines.some((l) => {
    const m = STATE_LINE.exec(l.text);
    return vm.vm.startedAt + l.t >= since && m?.[1] === instance && m[2] === 'MASTER';
  });
}

/** The line the guest prints on its console the moment before it kills keepalived (the crash). */
export const CRASH_MARK = 'pillars-drill: kill -9 keepalived now';

/**
 * Fault the master; resolves to when the fault happened (epoch ms). Power is cut from the host at
 * once, the link when QEMU's monitor answers. The crash is a command in the guest, which under emulation takes a few
 * hundred milliseconds to reach its kill: the guest prints CRASH_MARK right before the kill, and
 * the fault is when the host read that line (the console's few milliseconds late, so the outage is
 * counted at most that much short, never the command's latency too long).
 */
async function fault(s: Scenario, master: LabVm): Promise<number> {
  const at = Date.now();
  if (s === 'poweroff') master.kill();
  // QEMU's monitor cuts the carrier when the command returns: a request sent while it was on its
  // way still went through the master, so the fault counts from the monitor's answer.
  else if (s === 'linkdown') {
    await master.linkDown(0);
    return Date.now();
  } else if (s === 'crash') {
    const from = master.lines.length;
    const r = await guestExec(
      master.vm,
      `p=$(pidof keepalived) && echo '${CRASH_MARK}' > /dev/console && kill -9 $p`,
      10_000,
    );
    if (r.code !== 0) throw new UserError(`drill: could not kill keepalived on ${master.name}: ${r.output.trim()}`);
    const mark = await master.waitFor(new RegExp(escapeRe(CRASH_MARK)), 10_000, from);
    return master.vm.startedAt + mark.t;
  }
  return at;
}

async function restore(s: Exclude<Scenario, 'crash' | 'partition'>, master: LabVm): Promise<void> {
  if (s === 'poweroff') {
    await master.restart();
    await master.waitFor(READY_LINE, BOOT_TIMEOUT_MS);
  } else await master.linkUp(0);
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const dl = await startDrillLab(o);
  try {
    return await drillScenario(dl, o.scenario, o.runs, o.log, o.random);
  } finally {
    await dl.dispose();
  }
}

/** The first answer to a request sent after the fault (every drill asks a server behind the pair). */
export function firstAnswer(samples: readonly ProbeSample[], faultAt: number): ProbeSample | undefined {
  return samples.find((s) => s.t >= faultAt && s.ok);
}

async function warmUp(
  client: {
    probe(o: {
      url: string;
      intervalMs: number;
      timeoutMs: number;
      count: number;
      durationMs: number;
    }): Promise<ProbeSample[]>;
  },
  url: string,
): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const s = await client.probe({ url, intervalMs: 100, timeoutMs: 500, count: 5, durationMs: 1000 });
    if (s.some((x) => x.ok)) return;
  }
  throw new UserError(`drill: nothing answers on ${url} in the lab`, {
    hint: 'check the consoles of the nodes (pillars run) for role errors',
  });
}
