/**
 * The stateful firewall pair as an admin checks it, on one boot of the pair in the lab (client
 * outside on lan, server web1 inside on internal, conntrackd over the sync link; config:
 * builder/drill/firewall-lab.ts): the roles run, an allowed service answers, a port not allowed
 * gets no answer and a reject rule a reset, a spoofed source is dropped (and logged), the server
 * sees the inside VIP (masquerade), a port forward reaches the server, a rate limit cuts in; then
 * one short stateful drill: long-lived connections through masquerade and through the port
 * forward, the master's QEMU killed, every connection must still carry data. From before the
 * nodes boot until after a reload of the ruleset, a probe knocks every 50 ms on what neither the
 * safe state nor the config lets through: a single answer is a leak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import {
  startDrillLab,
  firstAnswer,
  masterAndBackup,
  startFirewallConnections,
  countConnections,
  type DrillLab,
} from '../../builder/drill/drill.js';
import { FIREWALL_LAB, firewallYaml } from '../../builder/drill/firewall-lab.js';
import { LAB_ADDRESSES, labConfig } from '../../builder/drill/lab-config.js';
import { createLogger } from '../../builder/log.js';
import { guestExec } from '../../builder/vm/guest.js';
import type { HostProcess, LabVm } from '../../builder/vm/lab.js';
import { imagePath, requireImage } from './image.js';
import { sleep, until } from '../helpers/wait.js';
import { putGuestFile } from '../helpers/guest-file.js';

const log = createLogger();
const F = FIREWALL_LAB;

let dl: DrillLab | undefined;
const pair = () => until('one MASTER and one BACKUP', 30_000, () => masterAndBackup(dl!.nodes));
async function sh(vm: LabVm, cmd: string): Promise<string> {
  const r = await guestExec(vm.vm, cmd, 60_000);
  if (r.code !== 0) throw new Error(`${cmd} on ${vm.name}: exit ${r.code}: ${r.output}`);
  return r.output;
}
/** The packet counter of the rule with this comment, from pillarsctl status. */
async function counter(vm: LabVm, comment: string): Promise<number> {
  const line = (await sh(vm, 'pillarsctl status')).split('\n').find((l) => l.trim().endsWith(`  ${comment}`));
  if (!line) throw new Error(`no counter for "${comment}" in pillarsctl status on ${vm.name}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** TCP connect from the client: "connected", an error code (ECONNREFUSED…) or "timeout". */
const CONNECT = String.raw`
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, Number(ms));
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code || e.message); process.exit(0); });
`;
/** `count` TCP connects at once from one process: {"connected":n,"timeout":n,...} after `ms`. */
const CONNECT_MANY = String.raw`
const net = require('node:net');
const [host, port, count, ms] = process.argv.slice(1);
const out = {};
for (let i = 0; i < Number(count); i++) {
  const s = net.connect({ host, port: Number(port) });
  let done = false;
  const end = (k) => { if (done) return; done = true; out[k] = (out[k] || 0) + 1; };
  s.on('connect', () => end('connected'));
  s.on('error', (e) => end(e.code || 'error'));
  setTimeout(() => { end('timeout'); s.destroy(); }, Number(ms));
}
setTimeout(() => { console.log(JSON.stringify(out)); process.exit(0); }, Number(ms) + 200);
`;
/**
 * The leak probe: every 50 ms, per target, a TCP connect with a 300 ms timeout; each outcome is
 * tallied ("timeout" is a drop, EHOSTUNREACH a node not up yet). "connected" or ECONNREFUSED
 * (a reset from the node's stack or the server behind it) would mean the packet got through: it
 * is printed at once as a LEAK line. A tally line each second; it ends on SIGTERM or after 20 min.
 */
const LEAK_PROBE = String.raw`
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
const tally = {};
const count = (t, k) => { tally[t] ??= {}; tally[t][k] = (tally[t][k] || 0) + 1; };
const knock = (t) => {
  const [host, port] = t.split(':');
  const s = net.connect({ host, port: Number(port) });
  let done = false;
  const end = (k) => {
    if (done) return;
    done = true;
    s.destroy();
    count(t, k);
    if (k === 'connected' || k === 'ECONNREFUSED') console.log('LEAK ' + JSON.stringify({ t, k, at: Date.now() }));
  };
  s.on('connect', () => end('connected'));
  s.on('error', (e) => end(e.code || 'error'));
  setTimeout(() => end('timeout'), 300);
};
const a = setInterval(() => targets.forEach(knock), 50);
const b = setInterval(() => console.log('TALLY ' + JSON.stringify(tally)), 1000);
const stop = () => { clearInterval(a); clearInterval(b); console.log('TALLY ' + JSON.stringify(tally)); process.exit(0); };
process.on('SIGTERM', stop);
setTimeout(stop, 20 * 60_000);
`;
/** What neither ruleset lets through: TCP 23 on each node (nothing filters it in, nothing listens) and the dropped port on the server. */
const LEAK_TARGETS = [
  `${LAB_ADDRESSES.lanNode(0)}:23`,
  `${LAB_ADDRESSES.lanNode(1)}:23`,
  `${F.server}:${F.ports.closed}`,
];
let leakProbe: HostProcess | undefined;
const leaks = () => leakProbe!.output.lines.filter((l) => l.startsWith('LEAK '));
const tally = (): Record<string, Record<string, number>> =>
  JSON.parse(
    [...leakProbe!.output.lines]
      .reverse()
      .find((l) => l.startsWith('TALLY '))
      ?.slice(6) ?? '{}',
  ) as Record<string, Record<string, number>>;

async function connect(host: string, port: number, ms = 3000): Promise<string> {
  return (
    await dl!.client.run(process.execPath, ['-e', CONNECT, host, String(port), String(ms)], { timeoutMs: ms + 10_000 })
  ).stdout.trim();
}
async function get(url: string): Promise<string[]> {
  const s = await dl!.client.probe({ url, intervalMs: 100, timeoutMs: 2000, count: 3, durationMs: 8000 });
  return s.map((x) => (x.ok ? x.body!.trim() : `error:${x.error ?? x.status}`));
}

describe('stateful firewall pair (nftables + conntrackd + VRRP)', () => {
  beforeAll(async () => {
    requireImage('firewall');
    dl = await startDrillLab({
      profile: 'firewall',
      timers: 'default',
      imageDir: dirname(imagePath('firewall', 'initrd.img')),
      log,
      beforeBoot: async (lab) => {
        const c = lab.host('client');
        leakProbe = c.spawn(process.execPath, ['-e', LEAK_PROBE, JSON.stringify(LEAK_TARGETS)]);
      },
    });
  }, 600_000);

  afterAll(async () => {
    leakProbe?.kill('SIGTERM');
    await dl?.dispose();
    if (dl) expect(await dl.lab.listLeftovers()).toEqual([]);
  }, 120_000);

  it('both nodes run the firewall, conntrackd and keepalived; the configured ruleset replaced the safe state', async () => {
    for (const n of dl!.nodes) {
      const status = await sh(n, 'pillarsctl status');
      for (const svc of ['firewall-load', 'firewall', 'conntrackd', 'statesync-resync', 'keepalived'])
        expect(status, `${n.name}:\n${status}`).toMatch(new RegExp(`\\b${svc}\\b`));
      expect(status).toContain('firewall counters (packets, bytes, rule):');
      const tables = await sh(n, 'nft list tables');
      expect(tables).toContain('table inet pillars');
      expect(tables).not.toContain('pillars_safe');
      expect(await sh(n, 'pillarsctl logs statesync-resync')).toMatch(/eligible for MASTER/);
    }
  });

  it('no packet leaked while the safe state gave way to the configured ruleset at boot', async () => {
    await until('a tally from the leak probe', 10_000, () => tally()[LEAK_TARGETS[0]!]);
    const t = tally();
    console.log(`leak probe through the boot: ${JSON.stringify(t)}`);
    expect(leaks()).toEqual([]);
    // The probe reached both nodes while they filtered (dropped knocks time out): it covered the switch.
    for (const target of LEAK_TARGETS.slice(0, 2)) expect(t[target]?.timeout ?? 0).toBeGreaterThan(20);
  });

  it('no packet leaked while a reload replaced the ruleset on both nodes', async () => {
    const config = labConfig({
      profile: 'firewall',
      timers: 'default',
      failover: 'vrrp',
      extraYaml: firewallYaml({ conntrackd: true }),
    });
    const changed = config.replace('comment: web and echo on web1', 'comment: web and echo on web1 (reloaded)');
    expect(changed).not.toBe(config);
    const before = tally()[LEAK_TARGETS[2]!]?.timeout ?? 0;
    for (const n of dl!.nodes) {
      await putGuestFile((c) => sh(n, c), '/tmp/reload.yaml', changed);
      const out = await sh(n, 'pillarsctl reload /tmp/reload.yaml');
      expect(out, `${n.name}: ${out}`).not.toMatch(/refused|failed/i);
      await until(`the reloaded ruleset on ${n.name}`, 60_000, async () =>
        (await sh(n, 'nft list ruleset')).includes('web and echo on web1 (reloaded)'),
      );
    }
    await sleep(2000);
    const t = tally();
    console.log(`leak probe through the reloads: ${JSON.stringify(t)}`);
    expect(leaks()).toEqual([]);
    // The dropped port behind the VIP was knocked on all along the reloads.
    expect((t[LEAK_TARGETS[2]!]?.timeout ?? 0) - before).toBeGreaterThan(20);
    // The probe does see a leak: two seconds without any ruleset on node2, and its stack answers.
    await sh(dl!.nodes[1]!, 'nft flush ruleset; sleep 2; nft -f /run/pillars/etc/firewall.nft');
    await until('the probe reporting the unfiltered node2', 20_000, () =>
      leaks().some((l) => l.includes(LAB_ADDRESSES.lanNode(1))),
    );
    expect(leaks().every((l) => l.includes(LAB_ADDRESSES.lanNode(1)))).toBe(true);
    leakProbe!.kill('SIGTERM');
    expect(await sh(dl!.nodes[1]!, 'nft list tables')).toContain('table inet pillars');
  });

  it('an allowed service answers through the firewall; the port forward on the VIP reaches the server', async () => {
    expect(await get(`http://${F.server}:${F.ports.http}/`)).toContain('web1');
    expect(await get(`http://${F.outsideVip}:${F.forward.http}/`)).toContain('web1');
  });

  it('a port not allowed gets no answer; the reject rule answers with a reset', async () => {
    const { master } = await pair();
    const before = await counter(master, 'refused with a reset');
    expect(await connect(F.server, F.ports.closed)).toBe('timeout');
    expect(await connect(F.server, F.ports.rejected)).toBe('ECONNREFUSED');
    expect(await counter(master, 'refused with a reset')).toBeGreaterThan(before);
    await until(
      'the dropped SYN in pillarsctl logs firewall',
      20_000,
      async () => /pillars-drop forward: .*DPT=82/.test(await sh(master, 'pillarsctl logs firewall')),
      1000,
    );
  });

  it('a source address of the inside zone arriving from outside is dropped (anti-spoofing)', async () => {
    const { master } = await pair();
    const dev = (await dl!.client.run('ip', ['-o', '-4', 'addr', 'show'])).stdout
      .split('\n')
      .find((l) => l.includes(' 192.0.2.'))!
      .split(/\s+/)[1]!;
    const spoofed = LAB_ADDRESSES.backend(0).replace(/\d+$/, '77');
    const before = await counter(master, 'anti-spoofing IPv4');
    await dl!.client.run('ip', ['addr', 'add', `${spoofed}/32`, 'dev', dev]);
    try {
      expect(await connect(F.outsideVip, 8080, 2000)).toBe('connected');
      const r = await dl!.client.run('ping', ['-n', '-c', '3', '-i', '0.3', '-W', '1', '-I', spoofed, F.outsideVip], {
        allowFailure: true,
        timeoutMs: 15_000,
      });
      expect(r.stdout).toMatch(/ 0 received/);
    } finally {
      await dl!.client.run('ip', ['addr', 'del', `${spoofed}/32`, 'dev', dev], { allowFailure: true });
    }
    expect(await counter(master, 'anti-spoofing IPv4')).toBeGreaterThanOrEqual(before + 3);
  });

  it('masquerade: the server sees the inside VIP as the source', async () => {
    const conns = startFirewallConnections(dl!.client, 1, 30_000);
    try {
      expect(await conns.connected()).toBe(2);
      const ss = (
        await dl!.lab.host('web1').run('ss', ['-Htn', 'state', 'established', `( sport = :${F.ports.conns} )`])
      ).stdout;
      const peers = ss
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop()!.replace(/:\d+$/, ''));
      expect(peers).toEqual([F.insideVip, F.insideVip]);
    } finally {
      await conns.stop();
    }
  });

  it('a rate limit cuts in: of 40 simultaneous new connections to the status page only a few get through at once', async () => {
    // A rate limit counts new connections (established ones take the fast path): 40 SYNs at once
    // against 5 a second (burst 5); the others are dropped and would only retry a second later.
    const r = await dl!.client.run(process.execPath, ['-e', CONNECT_MANY, F.outsideVip, '8080', '40', '800'], {
      timeoutMs: 20_000,
    });
    const counts = JSON.parse(r.stdout.trim()) as Record<string, number>;
    console.log(`40 new connections at once against ${F.newConnRate}/s: ${JSON.stringify(counts)} within 800 ms`);
    expect(counts.connected ?? 0).toBeGreaterThan(0);
    expect(counts.connected ?? 0).toBeLessThanOrEqual(15);
    expect((counts.connected ?? 0) + (counts.timeout ?? 0)).toBe(40);
  });

  it('stateful failover: long-lived connections through masquerade and the port forward survive a power loss of the master', async () => {
    const { master, backup } = await pair();
    const N = 10;
    const conns = startFirewallConnections(dl!.client, N, 120_000);
    expect(await conns.connected()).toBe(2 * N);
    // conntrackd replicates each new connection at once; give it a moment on an emulated box.
    await sleep(3000);
    const probe = dl!.client.startProbe({
      url: `http://${F.outsideVip}:${F.forward.http}/`,
      intervalMs: 50,
      timeoutMs: 500,
      durationMs: 60_000,
      count: 1200,
    });
    await sleep(1500);
    const faultAt = Date.now();
    master.kill();
    const answered = await until(
      'a new connection answered after the fault',
      15_000,
      () => firstAnswer(probe.live, faultAt),
      20,
    );
    const gap = answered.t + answered.ms - faultAt;
    await sleep(6000);
    await probe.stop();
    const result = countConnections(await conns.stop(), 2 * N, faultAt + gap + 500);
    console.log(
      `firewall failover: new connections after ${Math.round(gap)} ms; long-lived connections surviving ${result.survived}/${result.total} (${result.resets} reset); ${backup.name} took over`,
    );
    expect(gap).toBeLessThan(5000);
    expect(result.resets).toBe(0);
    expect(result.survived).toBe(result.total);
  });
});
