/**
 * Every rendered keepalived.conf passes the image's own keepalived (`keepalived -t`, trixie's 2.3),
 * run with chroot in a network namespace holding the config's interfaces. And the checker is real:
 * broken fragments are rejected. Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { contextFor, renderCases } from '../fixtures/render/cases.js';
import {
  findRootfsTar,
  imageRootfs,
  inImage,
  keepalivedConfigTest,
  openFifoReader,
  withNetns,
  type FifoReader,
} from '../helpers/image-tools.js';
import { run, spawnDaemon } from '../../builder/exec.js';
import { vrrpRole } from '../../overlay/roles/vrrp/index.js';
import { directorRole } from '../../overlay/roles/director/index.js';
import { carpRole } from '../../overlay/roles/carp/index.js';
import { parseEventLine } from '../../overlay/roles/keepalived/events.js';
import type { RenderedFile, RoleContext } from '../../overlay/roles/role.js';
import type { ServiceSpec } from '../../overlay/service/index.js';

const asRoot = process.getuid?.() === 0;

/** A rendered keepalived file: keepalived.conf (VRRP, or the one file), or keepalived-lvs.conf (the checker's, split). */
function keepalivedConf(files: RenderedFile[], name = 'keepalived.conf'): string {
  const f = files.find((x) => x.path.endsWith(`/${name}`));
  if (!f) throw new Error(`no ${name} rendered`);
  return f.content;
}

describe.skipIf(!asRoot)('rendered keepalived.conf passes keepalived -t of the image', () => {
  const cases = renderCases().filter((c) => c.config.vrrp || c.config.director);

  for (const c of cases) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name} on ${nodeName}`, async () => {
        const ctx = contextFor(c.config, nodeName);
        const files = [vrrpRole, directorRole].flatMap((r) => r.render(ctx));
        const confs = files.filter((f) => /\/keepalived(-lvs)?\.conf$/.test(f.path));
        // VRRP and virtual servers: a file per keepalived process (split); else the one file.
        expect(confs).toHaveLength(c.config.vrrp && c.config.director ? 2 : 1);
        for (const f of confs) {
          const r = await keepalivedConfigTest(f.content, Object.keys(ctx.node.interfaces));
          expect(r.output, `${f.path}: ${r.output}`).toBe('');
          expect(r.code).toBe(0);
        }
      });
    }
  }

  describe('the checker is real: broken configs are rejected', () => {
    const good = (() => {
      const c = cases.find((x) => x.name === 'classic-nat-rr');
      if (!c) throw new Error('classic-nat-rr case missing');
      const ctx = contextFor(c.config, 'lvs1');
      const files = [vrrpRole, directorRole].flatMap((r) => r.render(ctx));
      return {
        vrrp: keepalivedConf(files),
        lvs: keepalivedConf(files, 'keepalived-lvs.conf'),
        interfaces: Object.keys(ctx.node.interfaces),
      };
    })();

    const broken: [string, 'vrrp' | 'lvs', (conf: string) => string, RegExp][] = [
      [
        'an unknown scheduler',
        'lvs',
        (s) => s.replace('lb_algo rr', 'lb_algo roundrobin'),
        /lvs_scheduler 'roundrobin'/,
      ],
      [
        'a virtual router id out of range',
        'vrrp',
        (s) => s.replace('virtual_router_id 51', 'virtual_router_id 300'),
        /outside range|VRID/,
      ],
      [
        'an unknown keyword',
        'vrrp',
        (s) => s.replace('  router_id lvs1', '  router_id lvs1\n  no_such_keyword 1'),
        /Unknown keyword 'no_such_keyword'/,
      ],
      [
        'an unknown keyword in the checker file',
        'lvs',
        (s) => s.replace('  router_id lvs1', '  router_id lvs1\n  no_such_keyword 1'),
        /Unknown keyword 'no_such_keyword'/,
      ],
      ['an interface that does not exist', 'vrrp', (s) => s.replace('interface ext', 'interface nosuch0'), /nosuch0/],
    ];

    it('the unbroken config passes', async () => {
      for (const conf of [good.vrrp, good.lvs]) {
        const r = await keepalivedConfigTest(conf, good.interfaces);
        expect(r.output).toBe('');
        expect(r.ok).toBe(true);
      }
    });

    it('rejects a script reached through the /bin symlink (why scripts are rendered with /usr/bin)', async () => {
      const c = cases.find((x) => x.name === 'unicast-fast')!;
      const ctx = contextFor(c.config, 'r1');
      const conf = keepalivedConf(vrrpRole.render(ctx));
      expect(conf).toContain('script "/usr/bin/busybox ping');
      const r = await keepalivedConfigTest(
        conf.replace('"/usr/bin/busybox ping', '"/bin/busybox ping'),
        Object.keys(ctx.node.interfaces),
      );
      expect(r.ok).toBe(false);
      expect(r.output).toMatch(/insecure/);
    });

    it('rejects a BFD session with an interval out of range and a track_bfd of an unknown session', async () => {
      const c = cases.find((x) => x.name === 'bfd-router')!;
      const ctx = contextFor(c.config, 'r1');
      const conf = keepalivedConf(vrrpRole.render(ctx));
      const ifs = Object.keys(ctx.node.interfaces);
      const r1 = await keepalivedConfigTest(conf.replace('min_rx 50', 'min_rx 0'), ifs);
      expect(r1.ok).toBe(false);
      expect(r1.output).toMatch(/min_rx/);
      const r2 = await keepalivedConfigTest(conf.replace('peer weight -20', 'nosuch weight -20'), ifs);
      expect(r2.ok).toBe(false);
      expect(r2.output).toMatch(/nosuch/);
    });

    for (const [what, file, breakIt, message] of broken) {
      it(`rejects ${what}`, async () => {
        const conf = breakIt(good[file]);
        expect(conf).not.toBe(good[file]);
        const r = await keepalivedConfigTest(conf, good.interfaces);
        expect(r.ok).toBe(false);
        expect(r.output).toMatch(message);
      });
    }
  });
});

/**
 * Fail closed on vrrp.bfd: the vrrp role's BFD check, run with the image's programs, passes with
 * the image's keepalived and fails, saying why, with a keepalived built without BFD.
 */
describe.skipIf(!asRoot)("the BFD check reads the image's keepalived", () => {
  const c = () => {
    const k = renderCases().find((x) => x.name === 'bfd-router');
    if (!k) throw new Error('bfd-router case missing');
    return contextFor(k.config, 'r1');
  };

  async function runCheck(pathPrefix?: string): Promise<{ code: number; output: string }> {
    const rootfs = await imageRootfs('keepalived');
    const checks = vrrpRole.checks(c());
    const bfd = checks.find((x) => x.what === 'keepalived BFD support');
    expect(bfd, 'the vrrp role checks BFD support first').toBe(checks[0]);
    const argv = pathPrefix ? ['/usr/bin/env', `PATH=${pathPrefix}:/usr/sbin:/usr/bin`, ...bfd!.command] : bfd!.command;
    return withNetns({ interfaces: [] }, async (ns) => {
      const [cmd, args] = inImage(ns, rootfs, argv);
      const r = await run(cmd, args, { allowFailure: true, timeoutMs: 30_000 });
      return { code: r.code, output: (r.stdout + r.stderr).trim() };
    });
  }

  it("passes with the image's keepalived (built with BFD)", async () => {
    const r = await runCheck();
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails with a keepalived built without BFD, and says so', async () => {
    const rootfs = await imageRootfs('keepalived');
    const dir = `/tmp/pillars-nobfd-${randomBytes(4).toString('hex')}`;
    mkdirSync(join(rootfs, dir), { recursive: true });
    const fake = join(rootfs, dir, 'keepalived');
    // keepalived --version of a build without BFD: the same lines, BFD missing from the options.
    writeFileSync(
      fake,
      '#!/bin/sh\necho "Keepalived v2.3.3 (03/30,2025)" >&2\necho "Config options:  NFTABLES LVS REGEX VRRP VRRP_AUTH JSON BFDX" >&2\n',
    );
    chmodSync(fake, 0o755);
    try {
      const r = await runCheck(dir);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('built without BFD');
    } finally {
      rmSync(join(rootfs, dir), { recursive: true, force: true });
    }
  });
});

/**
 * The rendered files at work with the image's own programs, in a namespace: keepalived (as the
 * vrrp role's service runs it) reports its states on the event FIFO in the form the parser reads,
 * and the ucarp up/down scripts move the VIPs and report on the FIFO.
 */
describe.skipIf(!asRoot)('rendered files run with the image programs', () => {
  /** A scratch etc dir and FIFO inside the extracted rootfs; paths in ctx are as seen in the chroot. */
  async function scratch(
    pkg = 'keepalived',
  ): Promise<{ rootfs: string; etcDir: string; fifo: string; cleanup: () => void }> {
    const rootfs = await imageRootfs(pkg);
    const id = randomBytes(4).toString('hex');
    const etcDir = `/tmp/pillars-kt-${id}`;
    const fifo = `/tmp/pillars-kt-${id}.fifo`;
    mkdirSync(join(rootfs, etcDir), { recursive: true });
    await run('mkfifo', [join(rootfs, fifo)]);
    return {
      rootfs,
      etcDir,
      fifo,
      cleanup: () => {
        rmSync(join(rootfs, etcDir), { recursive: true, force: true });
        rmSync(join(rootfs, fifo), { force: true });
      },
    };
  }

  function writeFiles(rootfs: string, files: RenderedFile[]): void {
    for (const f of files) {
      const p = join(rootfs, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
      chmodSync(p, f.mode ?? 0o644);
    }
  }

  async function addNodeAddresses(ns: string, ctx: RoleContext): Promise<void> {
    for (const [ifname, ifc] of Object.entries(ctx.node.interfaces))
      for (const a of ifc.addresses) await run('ip', ['-n', ns, 'addr', 'add', a, 'dev', ifname]);
  }

  async function addrs(ns: string, ifname: string): Promise<string> {
    return (await run('ip', ['-n', ns, '-o', 'addr', 'show', 'dev', ifname])).stdout;
  }

  /**
   * Start `argv` of the image in namespace `ns` and wait until the event FIFO shows `line`; on a
   * timeout the error carries what the daemon printed.
   */
  async function startUntil(
    ns: string,
    rootfs: string,
    argv: readonly string[],
    reader: FifoReader,
    line: string,
  ): Promise<ReturnType<typeof spawnDaemon>> {
    const [cmd, args] = inImage(ns, rootfs, argv);
    const daemon = spawnDaemon(cmd, args);
    let log = '';
    daemon.child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    daemon.child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await reader.waitFor((l) => l.includes(line), 15_000);
    } catch (e) {
      daemon.kill('SIGKILL');
      await daemon.exited;
      throw new Error(`${(e as Error).message}\n--- ${argv[0]} ---\n${log}`, { cause: e });
    }
    return daemon;
  }

  /** SIGTERM, and SIGKILL if it is still there after 10 s. */
  async function stopGently(daemon: ReturnType<typeof spawnDaemon>): Promise<void> {
    daemon.kill('SIGTERM');
    const killer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await daemon.exited;
    clearTimeout(killer);
  }

  /**
   * The vrrp role of the starter router's r1 as its service runs it, in a namespace with the node's
   * interfaces and addresses, until it is MASTER; then `body`, with the daemon to stop as it likes.
   */
  async function keepalivedMaster(
    body: (k: {
      ns: string;
      rootfs: string;
      ctx: RoleContext;
      svc: ServiceSpec;
      daemon: ReturnType<typeof spawnDaemon>;
      reader: FifoReader;
    }) => Promise<void>,
  ): Promise<void> {
    const s = await scratch();
    const c = renderCases().find((x) => x.name === 'starter-router')!;
    const ctx: RoleContext = { ...contextFor(c.config, 'r1'), etcDir: s.etcDir, eventFifo: s.fifo };
    const reader = await openFifoReader(join(s.rootfs, s.fifo));
    try {
      writeFiles(s.rootfs, vrrpRole.render(ctx));
      const [svc] = vrrpRole.services(ctx);
      await withNetns({ interfaces: Object.keys(ctx.node.interfaces) }, async (ns) => {
        await addNodeAddresses(ns, ctx);
        const daemon = await startUntil(ns, s.rootfs, svc!.command, reader, 'INSTANCE "VI_DOWN" MASTER 200');
        try {
          await body({ ns, rootfs: s.rootfs, ctx, svc: svc!, daemon, reader });
        } finally {
          daemon.kill('SIGKILL');
          await daemon.exited;
        }
      });
    } finally {
      reader.close();
      rmSync(join(s.rootfs, 'run', 'keepalived.pid'), { force: true });
      rmSync(join(s.rootfs, 'run', 'keepalived', 'vrrp.pid'), { force: true });
      s.cleanup();
    }
  }

  it('keepalived: BACKUP at start (readiness), MASTER alone, STOP on SIGTERM, all parsed; the VIP comes and goes', async () => {
    await keepalivedMaster(async ({ ns, daemon, reader }) => {
      expect(reader.lines[0]).toBe('INSTANCE "VI_DOWN" BACKUP 200');
      expect(await addrs(ns, 'down')).toContain('10.1.0.1/24');
      await stopGently(daemon);
      await reader.waitFor((l) => l.some((x) => x.startsWith('INSTANCE "VI_DOWN" STOP')), 5000);
      expect(await addrs(ns, 'down')).not.toContain('10.1.0.1/');
      const events = reader.lines.map(parseEventLine);
      expect(events.filter((e) => !e.ok)).toEqual([]);
      expect(events.map((e) => e.ok && e.event.type === 'instance' && e.event.state)).toEqual([
        'BACKUP',
        'MASTER',
        'STOP',
      ]);
    });
  });

  it('keepalived killed with SIGKILL as MASTER keeps its VIP; the afterCrash the supervisor runs releases it', async () => {
    await keepalivedMaster(async ({ ns, rootfs, ctx, svc, daemon, reader }) => {
      expect(svc.afterCrash).toBeDefined();
      daemon.kill('SIGKILL');
      await daemon.exited;
      // What the peer would fight over: a killed keepalived leaves the VIP where it was.
      expect(await addrs(ns, 'down')).toContain('10.1.0.1/24');
      const [rc, ra] = inImage(ns, rootfs, svc.afterCrash!);
      await run(rc, ra, { timeoutMs: 10_000 });
      const left = await addrs(ns, 'down');
      expect(left).not.toContain('10.1.0.1/');
      // The node's own address stays.
      for (const a of ctx.node.interfaces['down']!.addresses) expect(left).toContain(a);
      // …and reports the instance stopped, as keepalived does on a clean stop.
      await reader.waitFor((l) => l.includes('INSTANCE "VI_DOWN" STOP 200'), 5000);
      expect(reader.lines.map(parseEventLine).every((e) => e.ok)).toBe(true);
      // Idempotent: on a BACKUP (no VIP) it changes nothing and still succeeds.
      expect((await run(rc, ra, { timeoutMs: 10_000 })).code).toBe(0);
    });
  });

  it('ucarp scripts: up adds every VIP and reports MASTER; down removes them and reports BACKUP; both idempotent', async () => {
    const s = await scratch();
    const c = renderCases().find((x) => x.name === 'carp')!;
    const ctx: RoleContext = { ...contextFor(c.config, 'r1'), etcDir: s.etcDir, eventFifo: s.fifo };
    const reader = await openFifoReader(join(s.rootfs, s.fifo));
    try {
      writeFiles(s.rootfs, carpRole.render(ctx));
      const [svc] = carpRole.services(ctx);
      const arg = (name: string): string => svc!.command.find((a) => a.startsWith(`--${name}=`))!.split('=')[1]!;
      await withNetns({ interfaces: Object.keys(ctx.node.interfaces) }, async (ns) => {
        await addNodeAddresses(ns, ctx);
        // ucarp runs a script as "<script> <interface> <address> <xparam>".
        const script = async (which: 'upscript' | 'downscript'): Promise<void> => {
          const [cmd, args] = inImage(ns, s.rootfs, [arg(which), arg('interface'), arg('addr'), arg('xparam')]);
          await run(cmd, args, { timeoutMs: 10_000 });
        };
        await script('upscript');
        await script('upscript');
        let a = await addrs(ns, 'up');
        expect(a).toContain('198.51.100.1/29');
        expect(a).toContain('198.51.100.4/29');
        await script('downscript');
        await script('downscript');
        a = await addrs(ns, 'up');
        expect(a).not.toContain('198.51.100.1/');
        expect(a).not.toContain('198.51.100.4/');
        expect(a).toContain('198.51.100.2/29');
        await reader.waitFor((l) => l.length >= 4, 5000);
        expect(reader.lines).toEqual([
          'CARP "up/20" MASTER',
          'CARP "up/20" MASTER',
          'CARP "up/20" BACKUP',
          'CARP "up/20" BACKUP',
        ]);
        expect(reader.lines.map(parseEventLine).every((e) => e.ok)).toBe(true);
      });
    } finally {
      reader.close();
      s.cleanup();
    }
  });

  // ucarp is in the router profile's image; this runs when that rootfs has been built.
  it.skipIf(!findRootfsTar('ucarp'))(
    'ucarp as the carp service runs it: BACKUP at start, MASTER alone with the VIPs, BACKUP and no VIPs after SIGTERM',
    async () => {
      const s = await scratch('ucarp');
      const c = renderCases().find((x) => x.name === 'carp')!;
      const ctx: RoleContext = { ...contextFor(c.config, 'r1'), etcDir: s.etcDir, eventFifo: s.fifo };
      const reader = await openFifoReader(join(s.rootfs, s.fifo));
      try {
        writeFiles(s.rootfs, carpRole.render(ctx));
        const svc = carpRole.services(ctx).find((x) => x.name === 'ucarp-up-20')!;
        await withNetns({ interfaces: Object.keys(ctx.node.interfaces) }, async (ns) => {
          await addNodeAddresses(ns, ctx);
          // advbase 1 s: MASTER after three silent adverts.
          const daemon = await startUntil(ns, s.rootfs, svc.command, reader, 'CARP "up/20" MASTER');
          try {
            expect(reader.lines[0]).toBe('CARP "up/20" BACKUP');
            const a = await addrs(ns, 'up');
            expect(a).toContain('198.51.100.1/29');
            expect(a).toContain('198.51.100.4/29');
          } finally {
            await stopGently(daemon);
          }
          await reader.waitFor((l) => l.length >= 3, 5000);
          expect(reader.lines).toEqual(['CARP "up/20" BACKUP', 'CARP "up/20" MASTER', 'CARP "up/20" BACKUP']);
          expect(await addrs(ns, 'up')).not.toContain('198.51.100.1/');
        });
      } finally {
        reader.close();
        s.cleanup();
      }
    },
  );
});
