/**
 * The heartbeat role's files against the image's own programs (trixie's heartbeat 3.0.6,
 * resource-agents and drbd-utils 9.22 from the heartbeat image's rootfs, run with chroot):
 * every rendered DRBD resource passes drbdadm-84's parser (what drbdadm runs for the in-kernel
 * DRBD 8.4) and broken ones are rejected; every haresources line names resource scripts the image
 * has; the image carries what the role runs. Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { contextFor, heartbeatCases } from '../fixtures/render/cases.js';
import { imageRootfs } from '../helpers/image-tools.js';
import { heartbeatRole, DRBDADM_84, HEARTBEAT_BIN } from '../../overlay/roles/heartbeat/index.js';
import { drbdRole } from '../../overlay/roles/drbd/index.js';
import { checkHaCf, checkHaresources } from '../../overlay/roles/heartbeat/check.js';
import { hostnameOf } from '../../overlay/config/index.js';

const asRoot = process.getuid?.() === 0;
const overlayRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'overlay', 'rootfs');

describe.skipIf(!asRoot)('heartbeat files against the heartbeat image', () => {
  const rootfs = () => imageRootfs('drbd-utils', 'heartbeat');

  /** Run drbdadm-84 of the image on a resource file, as node `host`. */
  async function drbdDump(res: string, resource: string, host: string) {
    const dir = await rootfs();
    const rel = `tmp/pillars-check-${randomBytes(4).toString('hex')}.res`;
    writeFileSync(join(dir, rel), res);
    try {
      return spawnSync('chroot', [dir, DRBDADM_84, '-c', `/${rel}`, 'dump', resource], {
        encoding: 'utf8',
        env: { ...process.env, __DRBD_NODE__: host },
        timeout: 30_000,
      });
    } finally {
      rmSync(join(dir, rel), { force: true });
    }
  }

  for (const c of heartbeatCases().filter((x) => x.config.drbd)) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name}: the DRBD resource passes drbdadm-84 on ${nodeName}`, { timeout: 1_200_000 }, async () => {
        const ctx = contextFor(c.config, nodeName);
        const res = drbdRole.render(ctx).find((f) => f.path.endsWith('.res'))!;
        const r = await drbdDump(res.content, c.config.drbd!.resource, hostnameOf(nodeName, ctx.node));
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain(`resource ${c.config.drbd!.resource} {`);
        expect(r.stdout).toMatch(/protocol\s+C;/);
      });
    }
  }

  it('drbdadm-84 is a real checker: broken resources are rejected', { timeout: 1_200_000 }, async () => {
    const c = heartbeatCases().find((x) => x.name === 'heartbeat-drbd-lab')!;
    const good = drbdRole.render(contextFor(c.config, 'ha1')).find((f) => f.path.endsWith('.res'))!.content;
    const broken: [string, string, RegExp][] = [
      ['an unknown protocol', good.replace('protocol C;', 'protocol X;'), /unknown protocol/],
      [
        'an unknown option',
        good.replace('resync-rate 100M;', 'resync-rate 100M;\n    no-such-option 1;'),
        /Parse error/,
      ],
      ['no section for this node', good.replace('on ha1 {', 'on ha9 {'), /not defined in your config|ha1/],
    ];
    for (const [what, text, re] of broken) {
      const r = await drbdDump(text, 'r0', 'ha1');
      expect(r.status, what).not.toBe(0);
      expect(r.stderr + r.stdout, what).toMatch(re);
    }
  });

  it(
    'every haresources resource is a script of the image, and the image has what the role runs',
    { timeout: 1_200_000 },
    async () => {
      const dir = await rootfs();
      // The Debian rootfs, and pillars' own files the image adds on top of it (overlay/rootfs).
      const inImage = (p: string) => existsSync(join(dir, p)) || existsSync(join(overlayRoot, p));
      for (const p of [
        HEARTBEAT_BIN,
        DRBDADM_84,
        '/usr/libexec/heartbeat/dopd',
        '/usr/libexec/heartbeat/ipfail',
        '/usr/bin/cl_status',
        '/usr/lib/pillars/drbd-fence-peer',
        '/usr/libexec/heartbeat/drbd-peer-outdater',
        '/usr/libexec/heartbeat/send_arp',
        '/usr/lib/stonith/plugins/external/pillars-lab',
        '/usr/lib/stonith/plugins/stonith2/apcmaster.so',
        '/usr/lib/stonith/plugins/external/ipmi',
        '/usr/sbin/mkfs.ext4',
        '/usr/bin/mount',
        '/etc/ha.d/resource.d/drbddisk',
        '/etc/ha.d/resource.d/IPaddr2',
        '/etc/ha.d/resource.d/Filesystem',
      ])
        expect(inImage(p), p).toBe(true);
      for (const c of heartbeatCases()) {
        for (const nodeName of Object.keys(c.config.nodes)) {
          const files = heartbeatRole.render(contextFor(c.config, nodeName));
          const rendered = new Set(
            files.filter((f) => f.path.startsWith('/etc/ha.d/resource.d/')).map((f) => basename(f.path)),
          );
          const exists = (name: string) =>
            rendered.has(name) || inImage(`/etc/ha.d/resource.d/${name}`) || inImage(`/etc/init.d/${name}`);
          const haCf = checkHaCf(files.find((f) => f.path.endsWith('/ha.cf'))!.content);
          const missing = checkHaresources(
            files.find((f) => f.path.endsWith('/haresources'))!.content,
            haCf.nodes,
            exists,
          );
          // The worked example names services of its own (httpd, mysql) the appliance does not carry.
          const expected =
            c.name === 'example-heartbeat-pair'
              ? missing.filter((m) => !/no resource script (httpd|mysql)/.test(m))
              : missing;
          expect(expected, `${c.name} on ${nodeName}`).toEqual([]);
        }
      }
    },
  );
});
