/**
 * The heartbeat drill: a client writes a numbered record every 50 ms through the records service
 * on the VIP; the node holding the group is faulted; the failover time is the gap from the fault
 * to the first write acknowledged by the other node, and every acknowledged record must be
 * readable afterwards (lost_probes counts acknowledged records that are gone). Then the faulted
 * node is restored and the next run faults whichever node holds the group.
 *   poweroff  SIGKILL of the active node's QEMU
 *   crash     kill -9 of heartbeat on the active node (the supervisor restarts it; the peer takes over
 *             after deadtime unless heartbeat is back first)
 *   linkdown  the active node's LAN NIC loses carrier: heartbeats still flow over the serial cable,
 *             so there must be NO failover (failover_ms is how long the group stayed put; 0 moves)
 *   partition both heartbeat links cut (every segment between the nodes, and the serial cable
 *             unplugged through QEMU's chardev-change): one node must fence the other through the
 *             power controller, so exactly one node is left and DRBD is never primary on both
 */
import { guestExec } from '../vm/guest.js';
import { startCpuMeter } from '../vm/cpu.js';
import type { LabHost, LabVm } from '../vm/lab.js';
import type { Logger } from '../log.js';
import { LAB_ADDRESSES } from './lab-config.js';
import { HEARTBEAT_TIMERS, RECORDS_PORT } from './heartbeat-config.js';
import { ACQUIRED_LINE, type HeartbeatLab } from './heartbeat-lab.js';
import { BOOT_TIMEOUT_MS, READY_LINE } from './drill.js';
import { summarize, type DrillReport, type DrillRun, type Scenario } from './report.js';

export const HEARTBEAT_SCENARIOS = [
  'poweroff',
  'crash',
  'linkdown',
  'partition',
] as const satisfies readonly Scenario[];
export type HeartbeatScenario = (typeof HEARTBEAT_SCENARIOS)[number];
export const RECORDS_URL = `http://${LAB_ADDRESSES.lanVip}:${RECORDS_PORT}`;
/**
 * How long a run waits for the other node (ms): a minute after the pair's deadtime, twice over.
 * A fixed minute was too close to stock heartbeat's 30 s deadtime (its takeovers take 46-50 s
 * under TCG): on a busy host one ran past it, and the run then failed on reading the records
 * from a VIP nobody held yet (EHOSTUNREACH) instead of saying that nobody had taken over. Pure.
 */
export function giveUpMs(deadtimeMs: number): number {
  return 60_000 + 2 * deadtimeMs;
}
/** linkdown: how long the group must stay put. */
const HOLD_MS = 10_000;

/** The writer the client runs: POST /record/<n> every 50 ms (bounded by count), one JSON line per acknowledgement. */
export const RECORD_WRITER = `
const [base, count] = [process.argv[1], Number(process.argv[2])];
let n = 0;
const tick = async () => {
  if (n >= count) return process.exit(0);
  const k = ++n;
  try {
    const r = await fetch(base + '/record/' + k, { method: 'POST', signal: AbortSignal.timeout(1000) });
    const body = (await r.text()).trim();
    if (r.ok) console.log(JSON.stringify({ n: k, acked: Date.now(), node: body.split(' ')[1] }));
  } catch {}
};
setInterval(() => void tick(), 50);
`;

export interface Ack {
  n: number;
  acked: number;
  node: string;
}

export interface RecordWriter {
  acks(): Ack[];
  stop(): Promise<Ack[]>;
}

export function startRecordWriter(client: LabHost, count = 6000): RecordWriter {
  const d = client.spawn(process.execPath, ['-e', RECORD_WRITER, RECORDS_URL, String(count)]);
  const acks = () => d.output.lines.map((l) => JSON.parse(l) as Ack);
  return {
    acks,
    async stop() {
      d.kill('SIGTERM');
      await d.output.ended;
      return acks();
    },
  };
}

/** Record numbers stored on the node that serves now. */
export async function storedRecords(client: LabHost): Promise<Set<number>> {
  const r = await client.run(process.execPath, [
    '-e',
    `fetch('${RECORDS_URL}/records').then(r => r.text()).then(t => process.stdout.write(t))`,
  ]);
  return new Set(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[0])),
  );
}

export function activeNode(nodes: readonly LabVm[]): LabVm | undefined {
  // The node whose console last said it acquired the group and has not released it since.
  let best: { vm: LabVm; t: number } | undefined;
  for (const vm of nodes) {
    const lines = vm.vm.lines;
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (/pillars: heartbeat group records RELEASED/.test(l.text)) break;
      if (ACQUIRED_LINE.test(l.text)) {
        const t = vm.vm.startedAt + l.t;
        if (!best || t > best.t) best = { vm, t };
        break;
      }
    }
  }
  return best?.vm;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** heartbeat 3.0.6's words for a peer declared dead and for a heartbeat later than warntime. */
const DEAD_LINE = /heartbeat: \[\d+\]: WARN: node (\S+): is dead/;
const LATE_LINE = /heartbeat: \[\d+\]: WARN: Late heartbeat: Node (\S+): interval (\d+) ms/;

export interface HeartbeatIdleTally {
  /** "node2 declared node1 dead", one per declaration: a spontaneous failover when nothing failed. */
  deaths: string[];
  /** Groups acquired in the window ("node2"): the group moved. */
  acquired: string[];
  /** Heartbeats later than warntime, and the longest gap heartbeat reported between two. */
  late: number;
  longestGapMs: number | undefined;
}

/**
 * What the lines of an idle heartbeat pair (heartbeat's log and the consoles' group events) say
 * about its timers: peers declared dead, groups acquired, and the heartbeats later than warntime
 * with the longest gap (how close the pair came to deadtime). Pure: `lines` are each node's lines
 * of the window.
 */
export function tallyHeartbeatIdle(lines: readonly { node: string; text: string }[]): HeartbeatIdleTally {
  const t: HeartbeatIdleTally = { deaths: [], acquired: [], late: 0, longestGapMs: undefined };
  for (const { node, text } of lines) {
    const dead = DEAD_LINE.exec(text);
    if (dead) t.deaths.push(`${node} declared ${dead[1]} dead`);
    if (ACQUIRED_LINE.test(text)) t.acquired.push(node);
    const late = LATE_LINE.exec(text);
    if (late) {
      t.late++;
      t.longestGapMs = Math.max(t.longestGapMs ?? 0, Number(late[2]));
    }
  }
  return t;
}

/**
 * Leaves a pair in sync alone for `minutes` and tallies, over the window, heartbeat's log lines of
 * each node (`pillarsctl logs heartbeat`, whose lines are not on the console) and the consoles'
 * group events (tallyHeartbeatIdle), the host CPU its QEMU processes used, and how many nodes are
 * DRBD primary at the end (more than one would be a dual-primary episode).
 */
export async function heartbeatIdleRun(
  hl: HeartbeatLab,
  minutes: number,
): Promise<HeartbeatIdleTally & { cpuPercent: number; primaries: number }> {
  await untilInSync(hl);
  const from = hl.nodes.map((n) => n.vm.lines.length);
  const cpuPercent = startCpuMeter(() => hl.nodes.map((n) => n.pid));
  // The guests' clocks come from the host's at boot; a second of slack keeps the last drill's lines
  // (at least initdead before this, see untilInSync) out.
  const wall0 = Date.now() - 1000;
  await sleep(minutes * 60_000);
  const cpu = cpuPercent();
  const lines: { node: string; text: string }[] = [];
  let primaries = 0;
  for (const [i, n] of hl.nodes.entries()) {
    lines.push(...n.vm.lines.slice(from[i]).map((l) => ({ node: n.name, text: l.text })));
    const out = (
      await guestExec(n.vm, 'pillarsctl logs heartbeat --json -n 100000; echo =drbd=; cat /proc/drbd', 60_000)
    ).output;
    const [json = '[]', drbd = ''] = out.split('=drbd=');
    const logged = JSON.parse(json) as { at: number; text: string }[];
    lines.push(...logged.filter((l) => l.at >= wall0).map((l) => ({ node: n.name, text: l.text })));
    if (/ ro:Primary\//.test(drbd)) primaries++;
  }
  const tally = tallyHeartbeatIdle(lines);
  return { ...tally, cpuPercent: cpu, primaries };
}

async function waitForAcks(w: RecordWriter, pred: (a: Ack[]) => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred(w.acks())) return true;
    await sleep(50);
  }
  return pred(w.acks());
}

export async function heartbeatDrillRun(hl: HeartbeatLab, scenario: HeartbeatScenario, log: Logger): Promise<DrillRun> {
  const GIVE_UP_MS = giveUpMs(HEARTBEAT_TIMERS[hl.timers].deadtime);
  const a = activeNode(hl.nodes);
  if (!a) throw new Error('no node holds the records group');
  const b = hl.nodes.find((n) => n !== a)!;
  const w = startRecordWriter(hl.client);
  if (!(await waitForAcks(w, (x) => x.length >= 20, 30_000)))
    throw new Error(`the records service on ${RECORDS_URL} acknowledged fewer than 20 writes in 30 s`);
  const fault = Date.now();
  if (scenario === 'poweroff') a.kill();
  else if (scenario === 'crash') {
    // heartbeat's master control process, from its own PID file (space-padded; trixie's busybox
    // pidof has no -s).
    const r = await guestExec(a.vm, 'read -r p </run/heartbeat.pid && kill -9 "$p"', 30_000);
    if (r.code !== 0) throw new Error(`crash: heartbeat on ${a.name} could not be killed: ${r.output.trim()}`);
  } else if (scenario === 'linkdown') await a.linkDown(0);
  else {
    await hl.lab.partition(a, b);
    await a.monitor('chardev-change serial1 null');
  }
  let run: DrillRun;
  if (scenario === 'partition') {
    // Bounded: one node must be powered off by the other's fence within 60 s.
    const end = Date.now() + GIVE_UP_MS;
    while (a.alive && b.alive && Date.now() < end) await sleep(100);
    if (a.alive && b.alive) {
      const roles = await Promise.all(
        [a, b].map(async (n) => (await guestExec(n.vm, 'cat /proc/drbd', 30_000)).output.match(/ro:(\S+)/)?.[1] ?? '?'),
      );
      throw new Error(`partition: no node was fenced within ${GIVE_UP_MS} ms (DRBD roles ${roles.join(', ')})`);
    }
    const survivor = a.alive ? a : b;
    const fenced = survivor === a ? b : a;
    if (survivor === b) await waitForAcks(w, (x) => x.some((k) => k.node === b.name && k.acked > fault), GIVE_UP_MS);
    const first = w.acks().find((k) => k.node === survivor.name && k.acked > fault);
    run = {
      failover_ms: survivor === a ? 0 : first ? first.acked - fault : GIVE_UP_MS,
      lost_probes: 0,
      from: a.name,
      to: survivor.name,
    };
    log.info(`heartbeat drill: partition: ${survivor.name} fenced ${fenced.name}`);
    await hl.lab.heal();
    const link = a.spec.serialLink;
    if (survivor === a && link)
      await a.monitor(
        `chardev-change serial1 ${link.listen ? `socket,path=${link.socket},server=on,wait=off` : `socket,path=${link.socket},reconnect=1`}`,
      );
    await sleep(1000);
    const acked = await w.stop();
    const stored = await storedRecords(hl.client);
    run.lost_probes = acked.filter((k) => !stored.has(k.n)).length;
    await hl.restart(fenced);
    return run;
  }
  if (scenario === 'linkdown') {
    const moved = await waitForAcks(w, (x) => x.some((k) => k.node === b.name), HOLD_MS);
    run = { failover_ms: moved ? Date.now() - fault : 0, lost_probes: 0, from: a.name, to: moved ? b.name : a.name };
    await a.linkUp(0);
    if (moved) log.warn(`heartbeat drill: linkdown moved the group to ${b.name} although the serial link was up`);
  } else {
    const ok = await waitForAcks(w, (x) => x.some((k) => k.node === b.name && k.acked > fault), GIVE_UP_MS);
    if (!ok) {
      await w.stop();
      throw new Error(
        `${scenario}: ${b.name} acknowledged no write within ${GIVE_UP_MS / 1000} s of the fault on ${a.name}`,
      );
    }
    const first = w.acks().find((k) => k.node === b.name && k.acked > fault)!;
    run = { failover_ms: first.acked - fault, lost_probes: 0, from: a.name, to: b.name };
  }
  await sleep(1000);
  const acked = await w.stop();
  const stored = await storedRecords(hl.client);
  run.lost_probes = acked.filter((k) => !stored.has(k.n)).length;
  // A node powered off (the fault) or fenced by its peer's STONITH (a crash of its heartbeat) is
  // booted again, as an admin would after finding it off.
  if (scenario === 'poweroff' || !a.alive) await hl.restart(a);
  return run;
}

/** How long a restored pair may take to boot, reconnect DRBD and resync before the next fault. */
const SYNC_WAIT_MS = 300_000;
const IN_SYNC = /cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/;

/**
 * Until each node's heartbeat has run for its initdead (heartbeat started before the ready line).
 * Within initdead heartbeat gives a silent peer that long to be declared dead, not deadtime: a
 * fault then took about 30 s more (the fast timers' initdead), which is how a node that has just
 * come back behaves, not a failover of the pair.
 */
async function pastInitdead(hl: HeartbeatLab): Promise<void> {
  const initdead = HEARTBEAT_TIMERS[hl.timers].initdead;
  for (const n of hl.nodes) {
    const lines = n.vm.lines;
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!READY_LINE.test(lines[i]!.text)) continue;
      const wait = n.vm.startedAt + lines[i]!.t + initdead + 2000 - Date.now();
      if (wait > 0) await sleep(Math.min(wait, initdead + 2000));
      break;
    }
  }
}

/**
 * Before the next fault: both nodes booted, DRBD connected with both disks UpToDate, and each
 * node's heartbeat past its initdead. A node that is still booting or resyncing (Inconsistent)
 * cannot take over, and faulting the active node then tests nothing but that: a fixed 5 s pause
 * let a bench run power off the only good copy.
 */
export async function untilInSync(hl: HeartbeatLab): Promise<void> {
  for (const n of hl.nodes) await n.waitFor(READY_LINE, BOOT_TIMEOUT_MS);
  const end = Date.now() + SYNC_WAIT_MS;
  let last = '';
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    const a = activeNode(hl.nodes);
    if (a) {
      last = (await guestExec(a.vm, 'cat /proc/drbd', 30_000)).output;
      if (IN_SYNC.test(last)) return await pastInitdead(hl);
    }
    await sleep(2000);
  }
  throw new Error(
    `the pair was not back in sync (DRBD Connected, Primary/Secondary, UpToDate/UpToDate) within ${SYNC_WAIT_MS / 1000} s; /proc/drbd:\n${last.trim()}`,
  );
}

export async function heartbeatDrill(
  hl: HeartbeatLab,
  scenario: HeartbeatScenario,
  runs: number,
  log: Logger,
): Promise<DrillReport> {
  const results: DrillRun[] = [];
  await pastInitdead(hl);
  for (let i = 0; i < runs; i++) {
    const r = await heartbeatDrillRun(hl, scenario, log);
    log.info(
      `heartbeat drill ${scenario} ${i + 1}/${runs}: ${r.failover_ms} ms, ${r.lost_probes} acknowledged records lost (${r.from} → ${r.to})`,
    );
    results.push(r);
    if (i + 1 < runs) await untilInSync(hl);
  }
  return summarize(scenario, 'heartbeat', results);
}
