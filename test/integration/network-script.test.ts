/**
 * The rendered network.sh, run as on the box: the image's busybox shell and iproute2 (one
 * `ip -batch` for every change), chrooted into the image's rootfs, in a throw-away network
 * namespace whose NICs carry the config's MACs under other names (two of them swapped). NICs end
 * up under their logical names with MTU, addresses and routes; a second run changes nothing; a
 * failing command stops the script with ip's reason. Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { imageRootfs, inImageWithKernelFs, withNetns } from '../helpers/image-tools.js';
import { run } from '../../builder/exec.js';
import { labConfig } from '../../builder/drill/lab-config.js';
import { loadConfig, type PillarsConfig } from '../../overlay/config/index.js';
import { renderNetworkScript } from '../../overlay/roles/network/index.js';

const asRoot = process.getuid?.() === 0;

function load(text: string): PillarsConfig {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n'));
  return r.config;
}

// The lab's director config with an MTU and a route added.
const config = load(
  labConfig({ profile: 'director' }).replace(
    /^vrrp:/m,
    'interfaces:\n  internal: { mtu: 1400 }\nroutes:\n  - to: 198.51.100.128/25\n    via: 192.0.2.1\nvrrp:',
  ),
);
const node = config.nodes.node1!;

describe.skipIf(!asRoot)('network.sh in a namespace with the image’s shell and ip', () => {
  it(
    'names NICs by MAC, sets MTU, addresses and routes, and converges on a second run',
    { timeout: 600_000 },
    async () => {
      const rootfs = await imageRootfs('keepalived', 'director');
      const rel = `tmp/pillars-net-${randomBytes(4).toString('hex')}`;
      mkdirSync(join(rootfs, rel), { recursive: true });
      try {
        await withNetns({ interfaces: [] }, async (ns) => {
          // Kernel names that are not the logical ones: "sync" holds lan's MAC and "lan" sync's, so
          // the two-step rename has to swap them; internal's NIC is eth1.
          const nics: Array<[string, string]> = [
            ['sync', node.interfaces.lan!.mac!],
            ['eth1', node.interfaces.internal!.mac!],
            ['lan', node.interfaces.sync!.mac!],
          ];
          let i = 0;
          for (const [name, mac] of nics) {
            const peer = `nspeer${i++}`;
            await run('ip', [
              '-n',
              ns,
              'link',
              'add',
              'name',
              name,
              'address',
              mac,
              'type',
              'veth',
              'peer',
              'name',
              peer,
            ]);
            await run('ip', ['-n', ns, 'link', 'set', 'dev', peer, 'up']);
          }
          const sh = (argv: string[]) => inImageWithKernelFs(ns, rootfs, argv);
          const script = (cfg: PillarsConfig) => {
            writeFileSync(join(rootfs, rel, 'network.sh'), renderNetworkScript(cfg, 'node1', cfg.nodes.node1!), {
              mode: 0o755,
            });
            return sh(['/usr/bin/busybox', 'sh', `/${rel}/network.sh`]);
          };
          const state = async () => {
            const links = JSON.parse((await sh(['ip', '-j', 'link', 'show'])).out) as Array<{
              ifname: string;
              address: string;
              mtu: number;
              operstate: string;
              flags: string[];
            }>;
            const addrs = (await sh(['ip', '-4', '-o', 'addr', 'show'])).out;
            const routes = (await sh(['ip', '-4', 'route', 'show'])).out;
            return { links, addrs, routes };
          };

          const first = await script(config);
          expect(first.code, first.out).toBe(0);
          expect(first.out.trim()).toBe('network: lan internal sync configured');
          const s = await state();
          for (const name of ['lan', 'internal', 'sync']) {
            const l = s.links.find((x) => x.ifname === name);
            expect(l, `${name} in ${JSON.stringify(s.links.map((x) => x.ifname))}`).toBeDefined();
            expect(l!.address).toBe(node.interfaces[name]!.mac!.toLowerCase());
            expect(l!.flags).toContain('UP');
            expect(l!.mtu).toBe(name === 'internal' ? 1400 : 1500);
          }
          expect(s.links.map((x) => x.ifname)).not.toContain('eth1');
          expect(s.links.some((x) => x.ifname.startsWith('pl-rename'))).toBe(false);
          expect(s.addrs).toMatch(/ lan +inet 192\.0\.2\.2\/24 /);
          expect(s.addrs).toMatch(/ internal +inet 198\.51\.100\.2\/24 /);
          expect(s.addrs).toMatch(/ sync +inet 203\.0\.113\.2\/24 /);
          expect(s.routes).toContain('198.51.100.128/25 via 192.0.2.1 dev lan');

          // Again: the same state, nothing renamed, no address twice.
          const again = await script(config);
          expect(again.code, again.out).toBe(0);
          expect(await state()).toEqual(s);

          // A command the kernel refuses (a gateway that is not on the route's interface) stops the
          // script with ip's reason and a non-zero exit; the route before it was made.
          const bogus: PillarsConfig = {
            ...config,
            routes: [
              { to: '198.51.100.192/26', via: '192.0.2.1' },
              { to: '192.0.2.192/26', via: '203.0.113.5', interface: 'lan' },
            ],
          };
          const failed = await script(bogus);
          expect(failed.code).not.toBe(0);
          expect(failed.out).toMatch(/Command failed -:\d+|Nexthop has invalid gateway|Network is unreachable/);
          expect(failed.out).not.toContain('configured');
          expect((await sh(['ip', '-4', 'route', 'show'])).out).toContain('198.51.100.192/26 via 192.0.2.1 dev lan');
        });
      } finally {
        rmSync(join(rootfs, rel), { recursive: true, force: true });
      }
    },
  );
});
