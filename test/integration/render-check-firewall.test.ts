/**
 * The firewall and statesync renders with the image's own programs (chroot into the cached rootfs,
 * inside throw-away network namespaces; root, no QEMU): every rendered ruleset passes the image's
 * `nft -c -f` and a broken one does not; conntrackd has no check mode, so two of the image's
 * conntrackd run against the rendered files of a pair and must replicate a connection from one
 * kernel table into the other (and count it in the statistics the status page reads), and a node
 * that lost its table gets it back from the boot-time resync; a config conntrackd cannot parse
 * makes it exit.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { contextFor, renderCases } from '../fixtures/render/cases.js';
import { findRootfsTar, imageRootfs, withNetns } from '../helpers/image-tools.js';
import { run, spawnDaemon, type Daemon } from '../../builder/exec.js';
import { firewallRole } from '../../overlay/roles/firewall/index.js';
import {
  conntrackdConfPath,
  statesyncRole,
  CONNTRACKD_SERVICE,
  RESYNC_SERVICE,
} from '../../overlay/roles/statesync/index.js';
import { readConntrackdSync } from '../../overlay/status/sync-readers.js';
import { loadConfig, type PillarsConfig } from '../../overlay/config/index.js';
import { labConfig } from '../../builder/drill/lab-config.js';
import { firewallYaml } from '../../builder/drill/firewall-lab.js';
import type { RenderedFile, RoleContext } from '../../overlay/roles/role.js';

const asRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function nftCheck(ruleset: string): Promise<{ code: number; output: string }> {
  const rootfs = await imageRootfs('nftables');
  const name = `pillars-nft-${randomBytes(4).toString('hex')}.nft`;
  writeFileSync(join(rootfs, 'tmp', name), ruleset);
  try {
    return await withNetns({ interfaces: [] }, async (ns) => {
      const r = await run('ip', ['netns', 'exec', ns, 'chroot', rootfs, 'nft', '-c', '-f', `/tmp/${name}`], {
        allowFailure: true,
        timeoutMs: 30_000,
      });
      return { code: r.code, output: (r.stderr + r.stdout).trim() };
    });
  } finally {
    rmSync(join(rootfs, 'tmp', name), { force: true });
  }
}

describe.skipIf(!asRoot)('rendered firewall.nft passes nft -c -f of the image', () => {
  const cases = renderCases().filter((c) => c.config.firewall);
  for (const c of cases) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name} on ${nodeName}`, async () => {
        const [file] = firewallRole.render(contextFor(c.config, nodeName));
        const r = await nftCheck(file!.content);
        expect(r.output).toBe('');
        expect(r.code).toBe(0);
      });
    }
  }

  it('the checker is real: a broken ruleset is rejected with the line', async () => {
    const c = cases.find((x) => x.name === 'example-iptables-firewall')!;
    const [file] = firewallRole.render(contextFor(c.config, 'fw'));
    const r = await nftCheck(file!.content.replace('reject with tcp reset', 'reject with tcp sometimes'));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/firewall|syntax error|Error/);
  });
});

/** The lab's firewall pair: sync link 203.0.113.0/24 between node1 and node2. */
function pairConfig(): PillarsConfig {
  const r = loadConfig(labConfig({ profile: 'firewall', extraYaml: firewallYaml({ conntrackd: true }) }));
  if (!r.ok) throw new Error('lab config invalid');
  return r.config;
}

function writeFiles(rootfs: string, files: RenderedFile[]): void {
  for (const f of files) {
    const p = join(rootfs, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.mode ?? 0o644);
  }
}

// conntrackd is in the firewall profile's image; this runs when that rootfs has been built.
describe.skipIf(!asRoot || !findRootfsTar('conntrackd'))(
  "rendered conntrackd.conf runs with the image's conntrackd",
  () => {
    it("a pair replicates a connection into the peer's kernel table; the resync brings a lost table back", async () => {
      const rootfs = await imageRootfs('conntrackd');
      const config = pairConfig();
      const id = randomBytes(3).toString('hex');
      const nodes = ['node1', 'node2'].map((name, i) => {
        const ctx: RoleContext = { ...contextFor(config, name), etcDir: `/tmp/pillars-ctd-${id}-${i}` };
        return {
          name,
          ctx,
          ns: `pillars-ctd-${id}-${i}`,
          files: statesyncRole.render(ctx),
          services: statesyncRole.services(ctx),
        };
      });
      const daemons: Daemon[] = [];
      const logs: string[] = ['', ''];
      const inNs = (i: number, argv: string[]) =>
        run('ip', ['netns', 'exec', nodes[i]!.ns, 'chroot', rootfs, ...argv], {
          allowFailure: true,
          timeoutMs: 60_000,
        });
      try {
        for (const n of nodes) {
          writeFiles(rootfs, n.files);
          await run('ip', ['netns', 'add', n.ns]);
          await run('ip', ['-n', n.ns, 'link', 'set', 'dev', 'lo', 'up']);
        }
        await run('ip', [
          '-n',
          nodes[0]!.ns,
          'link',
          'add',
          'name',
          'sync',
          'type',
          'veth',
          'peer',
          'name',
          'sync',
          'netns',
          nodes[1]!.ns,
        ]);
        for (const n of nodes) {
          for (const a of n.ctx.node.interfaces.sync!.addresses)
            await run('ip', ['-n', n.ns, 'addr', 'add', a, 'dev', 'sync']);
          await run('ip', ['-n', n.ns, 'link', 'set', 'dev', 'sync', 'up']);
        }
        nodes.forEach((n, i) => {
          const svc = n.services.find((s) => s.name === CONNTRACKD_SERVICE)!;
          const d = spawnDaemon('ip', ['netns', 'exec', n.ns, 'chroot', rootfs, ...svc.command]);
          d.child.stdout?.on('data', (b: Buffer) => (logs[i] += b.toString()));
          d.child.stderr?.on('data', (b: Buffer) => (logs[i] += b.toString()));
          daemons.push(d);
        });
        for (let i = 0; i < 100 && !logs.every((l) => l.includes('initialization completed')); i++) await sleep(100);
        expect(logs.join('\n')).toMatch(/initialization completed[\s\S]*initialization completed/);

        // A connection in node1's table reaches node2's kernel table (DisableExternalCache).
        const insert = await inNs(0, [
          'conntrack',
          '-I',
          '-p',
          'tcp',
          '-s',
          '192.0.2.100',
          '-d',
          '198.51.100.100',
          '--sport',
          '40000',
          '--dport',
          '85',
          '--state',
          'ESTABLISHED',
          '-t',
          '300',
          '-u',
          'ASSURED',
        ]);
        expect(insert.code, insert.stderr).toBe(0);
        const seen = async (i: number) =>
          (await inNs(i, ['conntrack', '-L', '-p', 'tcp', '--dport', '85'])).stdout.includes('sport=40000');
        let ok = false;
        for (let i = 0; i < 50 && !ok; i++) {
          ok = await seen(1);
          if (!ok) await sleep(200);
        }
        expect(ok, `node2 never got the state\n--- node1 ---\n${logs[0]}\n--- node2 ---\n${logs[1]}`).toBe(true);

        // The counters the status page and pillarsctl read, as they read them (conntrackd -s network, -s).
        const [sender, receiver] = await Promise.all(
          nodes.map((n, i) => readConntrackdSync(conntrackdConfPath(n.ctx), (argv) => inNs(i, [...argv]))),
        );
        expect(sender, logs[0]).toMatchObject({ link: { device: 'sync' }, errors: 0 });
        expect(sender!.sent).toBeGreaterThan(0);
        expect(receiver!.received).toBeGreaterThan(0);
        expect(receiver!.peerStates?.created).toBeGreaterThanOrEqual(1);

        // node2 loses its table; the boot-time resync asks node1 and gets the state back.
        await inNs(1, ['conntrack', '-F']);
        expect(await seen(1)).toBe(false);
        const resync = nodes[1]!.services.find((s) => s.name === RESYNC_SERVICE)!;
        const r = await inNs(1, resync.command);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/peer states received/);
        expect(await seen(1)).toBe(true);
      } finally {
        for (const d of daemons) d.kill('SIGTERM');
        await Promise.all(daemons.map((d) => Promise.race([d.exited, sleep(5000)])));
        for (const d of daemons) d.kill('SIGKILL');
        for (const n of nodes) {
          await run('ip', ['netns', 'del', n.ns], { allowFailure: true });
          rmSync(join(rootfs, n.ctx.etcDir), { recursive: true, force: true });
        }
      }
    }, 120_000);

    it('the checker is real: conntrackd refuses a config it cannot parse', async () => {
      const rootfs = await imageRootfs('conntrackd');
      const config = pairConfig();
      const ctx: RoleContext = {
        ...contextFor(config, 'node1'),
        etcDir: `/tmp/pillars-ctd-bad-${randomBytes(3).toString('hex')}`,
      };
      const files = statesyncRole
        .render(ctx)
        .map((f) =>
          f.path.endsWith('/conntrackd.conf')
            ? { ...f, content: f.content.replace('ResendQueueSize', 'ResendQueueSiz') }
            : f,
        );
      writeFiles(rootfs, files);
      try {
        await withNetns({ interfaces: ['sync'] }, async (ns) => {
          const svc = statesyncRole.services(ctx).find((s) => s.name === CONNTRACKD_SERVICE)!;
          const r = await run('ip', ['netns', 'exec', ns, 'chroot', rootfs, ...svc.command], {
            allowFailure: true,
            timeoutMs: 20_000,
          });
          expect(r.code).not.toBe(0);
          expect(r.stdout + r.stderr).toMatch(/parsing config file|ResendQueueSiz|syntax/i);
        });
      } finally {
        rmSync(join(rootfs, ctx.etcDir), { recursive: true, force: true });
      }
    });
  },
);
