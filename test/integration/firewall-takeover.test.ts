/**
 * State before address, measured without QEMU: the lab's firewall pair as network namespaces
 * running the image's own nft and conntrackd (chroot into the cached firewall rootfs) on the
 * rendered files of node1 and node2. Long-lived TCP connections run through masquerade and
 * through the port forward of node1; then node1 "loses power" (its links go down, its conntrackd
 * dies) and the VIPs move to node2 the way keepalived moves them (address, then the notify hook),
 * or, over CARP, by the rendered ucarp up script itself.
 * With conntrackd every connection still carries data on node2; without it (strict TCP
 * tracking, no replicated state) they stall: the sync is what saves them. Root, no QEMU.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { findRootfsTar, imageRootfs } from '../helpers/image-tools.js';
import { run, spawnDaemon, type Daemon } from '../../builder/exec.js';
import { OutputLines } from '../../builder/vm/lab.js';
import { parseConnReport } from '../../builder/vm/conn-scripts.js';
import { agentArgv } from '../../builder/vm/agents/launch.js';
import { countConnections } from '../../builder/drill/drill.js';
import { labConfig, type Failover } from '../../builder/drill/lab-config.js';
import { FIREWALL_LAB, firewallYaml } from '../../builder/drill/firewall-lab.js';
import { loadConfig } from '../../overlay/config/index.js';
import { firewallRole } from '../../overlay/roles/firewall/index.js';
import { statesyncRole, CONNTRACKD_SERVICE, statesyncNotifyPath } from '../../overlay/roles/statesync/index.js';
import { carpPaths, carpRole } from '../../overlay/roles/carp/index.js';
import type { RenderedFile, RoleContext } from '../../overlay/roles/role.js';
import { contextFor } from '../fixtures/render/cases.js';

const asRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const F = FIREWALL_LAB;
const N = 10;

interface Takeover {
  survived: number;
  total: number;
  resets: number;
  /** States node2's kernel table held for the connections before the takeover. */
  backupStates: number;
}

async function takeover(conntrackd: boolean, failover: Failover = 'vrrp'): Promise<Takeover> {
  const rootfs = await imageRootfs('conntrackd');
  const parsed = loadConfig(labConfig({ profile: 'firewall', failover, extraYaml: firewallYaml({ conntrackd }) }));
  if (!parsed.ok) throw new Error('lab config invalid');
  const config = parsed.config;
  const id = randomBytes(3).toString('hex');
  const ns = (n: string) => `pillars-tk-${id}-${n}`;
  const nodes = ['node1', 'node2'].map((name, i) => {
    const ctx: RoleContext = { ...contextFor(config, name), etcDir: `/tmp/pillars-tk-${id}-${i}` };
    const files = [...firewallRole.render(ctx), ...statesyncRole.render(ctx), ...carpRole.render(ctx)];
    return { name, i, ctx, ns: ns(`fw${i + 1}`), files };
  });
  const spaces = [ns('br'), ns('cl'), ns('sv'), ...nodes.map((n) => n.ns)];
  const daemons: Daemon[] = [];
  const sh = (space: string, argv: string[]) => run('ip', ['netns', 'exec', space, ...argv], { timeoutMs: 30_000 });
  const img = (space: string, argv: string[]) =>
    run('ip', ['netns', 'exec', space, 'chroot', rootfs, ...argv], { allowFailure: true, timeoutMs: 30_000 });
  const spawnIn = (space: string, argv: string[]) => {
    const d = spawnDaemon('ip', ['netns', 'exec', space, ...argv]);
    daemons.push(d);
    return { d, out: new OutputLines(d) };
  };
  let link = 0;
  /** A veth from `space` (named `ifname` there) to bridge `bridge` in the bridge namespace. */
  const plug = async (space: string, ifname: string, bridge: string) => {
    const peer = `tk${link++}`;
    await run('ip', ['-n', ns('br'), 'link', 'add', peer, 'type', 'veth', 'peer', 'name', ifname, 'netns', space]);
    await run('ip', ['-n', ns('br'), 'link', 'set', peer, 'master', bridge, 'up']);
    await run('ip', ['-n', space, 'link', 'set', ifname, 'up']);
  };
  try {
    for (const s of spaces) {
      await run('ip', ['netns', 'add', s]);
      await run('ip', ['-n', s, 'link', 'set', 'lo', 'up']);
    }
    for (const b of ['lan', 'internal', 'sync']) {
      await run('ip', ['-n', ns('br'), 'link', 'add', b, 'type', 'bridge']);
      await run('ip', ['-n', ns('br'), 'link', 'set', b, 'up']);
    }
    await plug(ns('cl'), 'eth0', 'lan');
    await plug(ns('sv'), 'eth0', 'internal');
    await run('ip', ['-n', ns('cl'), 'addr', 'add', '192.0.2.100/24', 'dev', 'eth0']);
    await run('ip', ['-n', ns('cl'), 'route', 'add', '198.51.100.0/24', 'via', F.outsideVip]);
    await run('ip', ['-n', ns('sv'), 'addr', 'add', `${F.server}/24`, 'dev', 'eth0']);
    await run('ip', ['-n', ns('sv'), 'route', 'add', 'default', 'via', F.insideVip]);
    for (const n of nodes) {
      for (const f of n.files) writeFile(rootfs, f);
      for (const ifname of ['lan', 'internal', 'sync']) {
        await plug(n.ns, ifname, ifname);
        for (const a of n.ctx.node.interfaces[ifname]!.addresses)
          await run('ip', ['-n', n.ns, 'addr', 'add', a, 'dev', ifname]);
      }
      await sh(n.ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      const load = await img(n.ns, ['nft', '-f', `${n.ctx.etcDir}/firewall.nft`]);
      expect(load.code, load.stderr).toBe(0);
      for (const [k, v] of Object.entries(firewallRole.sysctls(n.ctx))) await sh(n.ns, ['sysctl', '-qw', `${k}=${v}`]);
      const svc = statesyncRole.services(n.ctx).find((s) => s.name === CONNTRACKD_SERVICE);
      if (svc) spawnIn(n.ns, ['chroot', rootfs, ...svc.command]);
    }
    // node1 becomes MASTER and holds the VIPs, node2 BACKUP, and conntrackd follows. Over VRRP the
    // test moves the addresses and runs the notify hook as keepalived would; over CARP it runs
    // the rendered ucarp scripts (down at start, up on MASTER), which do both.
    const vips = [
      [F.outsideVip, 'lan'],
      [F.insideVip, 'internal'],
    ] as const;
    const become = async (n: (typeof nodes)[number], master: boolean) => {
      if (failover === 'carp') {
        for (const inst of n.ctx.config.carp!.instances) {
          const script = carpPaths(n.ctx, inst)[master ? 'up' : 'down'];
          const r = await img(n.ns, [script, inst.interface]);
          expect(r.code, `${script}: ${r.stderr}`).toBe(0);
        }
        return;
      }
      if (master) for (const [vip, dev] of vips) await run('ip', ['-n', n.ns, 'addr', 'add', `${vip}/24`, 'dev', dev]);
      if (conntrackd) await img(n.ns, [statesyncNotifyPath(n.ctx), master ? 'primary' : 'backup']);
    };
    await sleep(1000); // conntrackd up
    await become(nodes[1]!, false);
    await become(nodes[0]!, true);
    const echo = spawnIn(ns('sv'), [process.execPath, ...agentArgv('conn-server', ['web1', String(F.ports.conns)])]);
    await echo.out.waitFor(/"listening"/, 10_000);
    const clients = [
      [F.server, F.ports.conns],
      [F.outsideVip, F.forward.conns],
    ].map(([host, port]) =>
      spawnIn(ns('cl'), [
        process.execPath,
        ...agentArgv('conn-client', [JSON.stringify({ host, port, count: N, intervalMs: 100, durationMs: 60_000 })]),
      ]),
    );
    for (const c of clients)
      expect((JSON.parse(await c.out.waitFor(/"connected"/, 20_000)) as { connected: number }).connected).toBe(N);
    await sleep(2000);
    const states = (await img(nodes[1]!.ns, ['conntrack', '-L', '-p', 'tcp'])).stdout;
    const backupStates = states
      .split('\n')
      .filter(
        (l) =>
          l.includes('ESTABLISHED') &&
          (l.includes(`dport=${F.ports.conns} `) || l.includes(`dport=${F.forward.conns} `)),
      ).length;

    // node1 loses power: its links go down and its conntrackd dies. node2 takes the VIPs (the
    // neighbours learn the move, as keepalived's gratuitous ARP tells them), then runs the hook.
    const faultAt = Date.now();
    for (const ifname of ['lan', 'internal', 'sync'])
      await run('ip', ['-n', nodes[0]!.ns, 'link', 'set', ifname, 'down']);
    await become(nodes[1]!, true);
    for (const s of [ns('cl'), ns('sv')]) await run('ip', ['-n', s, 'neigh', 'flush', 'all']);
    await sleep(5000);
    for (const c of clients) c.d.kill('SIGTERM');
    await Promise.all(clients.map((c) => c.out.ended));
    const [m, f] = clients.map((c) => parseConnReport(c.out.lines) ?? []);
    return { ...countConnections({ masquerade: m!, forward: f! }, 2 * N, faultAt + 1000), backupStates };
  } finally {
    for (const d of daemons) d.kill('SIGTERM');
    await Promise.all(daemons.map((d) => Promise.race([d.exited, sleep(5000)])));
    for (const d of daemons) d.kill('SIGKILL');
    for (const s of spaces) await run('ip', ['netns', 'del', s], { allowFailure: true });
    for (const n of nodes) rmSync(join(rootfs, n.ctx.etcDir), { recursive: true, force: true });
  }
}

function writeFile(rootfs: string, f: RenderedFile): void {
  const p = join(rootfs, f.path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, f.content);
  chmodSync(p, f.mode ?? 0o644);
}

describe.skipIf(!asRoot || !findRootfsTar('conntrackd'))(
  'firewall takeover in namespaces (image nft + conntrackd)',
  () => {
    it(`with conntrackd all ${2 * N} connections survive the takeover; without it they stall`, async () => {
      const withSync = await takeover(true);
      const without = await takeover(false);
      console.log(
        `takeover with conntrackd: ${withSync.survived}/${withSync.total} survived (${withSync.resets} reset; node2 held ${withSync.backupStates} of the states before)`,
      );
      console.log(
        `takeover without conntrackd: ${without.survived}/${without.total} survived (${without.resets} reset)`,
      );
      expect(withSync.backupStates).toBe(2 * N);
      expect(withSync.resets).toBe(0);
      expect(withSync.survived).toBe(withSync.total);
      expect(without.survived).toBeLessThan(without.total);
    }, 240_000);

    it(`over CARP the ucarp scripts run the hook: all ${2 * N} connections survive`, async () => {
      const t = await takeover(true, 'carp');
      console.log(
        `CARP takeover with conntrackd: ${t.survived}/${t.total} survived (${t.resets} reset; node2 held ${t.backupStates} of the states before)`,
      );
      expect(t.backupStates).toBe(2 * N);
      expect(t.resets).toBe(0);
      expect(t.survived).toBe(t.total);
    }, 240_000);
  },
);
