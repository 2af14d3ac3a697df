import { describe, expect, it } from 'vitest';
import {
  parseModulesDep,
  planRootfs,
  selectModules,
  stripPatterns,
  modulePatternMatcher,
  hashOf,
  NODE_BUILTIN_FILES,
} from '../../../builder/plan.js';
import { compileMatcher } from '../../../builder/archive/index.js';
import type { Profile } from '../../../builder/profile.js';

const profile = (over: Partial<Profile> = {}): Profile => ({
  name: 'director',
  description: 'd',
  roles: ['vrrp', 'director'],
  packages: ['busybox', 'keepalived', 'nodejs'],
  modules: ['drivers/net/virtio_net', 'net/netfilter/ipvs/**'],
  keep: [],
  ...over,
});

describe('mmdebstrap plan', () => {
  const plan = planRootfs(profile(), { aptCache: '/c/apt', hookDir: '/p/hooks', output: '/c/rootfs.tar' });

  it('asks for trixie with the profile packages, docs excluded, signatures checked by default', () => {
    expect(plan.args).toContain('--variant=essential');
    expect(plan.args).toContain('--include=busybox,keepalived,nodejs');
    expect(plan.args).toContain('--dpkgopt=path-exclude=/usr/share/doc/*');
    expect(plan.args).toContain('--dpkgopt=path-exclude=/usr/share/man/*');
    expect(plan.args).toContain('--dpkgopt=path-exclude=/usr/share/locale/*');
    expect(plan.args.some((a) => /insecure|allow-unauthenticated|trusted=yes/.test(a))).toBe(false);
    const suite = plan.args.indexOf('trixie');
    expect(plan.args[suite + 1]).toBe('/c/rootfs.tar');
    expect(plan.args.slice(suite + 2).some((m) => m.includes('trixie-security'))).toBe(true);
  });

  it('downloads the kernel package with a hook instead of installing it', () => {
    expect(plan.args).toContain('--customize-hook=/p/hooks/fetch-kernel');
    expect(plan.args.join(' ')).not.toMatch(/linux-image/);
  });

  it('keeps the apt download cache outside the rootfs', () => {
    expect(plan.args).toContain('--setup-hook=sync-in /c/apt /var/cache/apt/archives/');
    expect(plan.args).toContain('--customize-hook=sync-out /var/cache/apt/archives /c/apt');
  });

  it('has a cache key that changes with the package set but not the output path', () => {
    const other = planRootfs(profile(), { aptCache: '/x', hookDir: '/y', output: '/z.tar' });
    const more = planRootfs(profile({ packages: ['busybox', 'keepalived', 'nodejs', 'ucarp'] }), {
      aptCache: '/c/apt',
      hookDir: '/p/hooks',
      output: '/c/rootfs.tar',
    });
    expect(other.key).toBe(plan.key);
    expect(more.key).not.toBe(plan.key);
  });
});

describe('strip list', () => {
  const strip = compileMatcher(stripPatterns(profile()));
  it.each([
    ['usr/share/doc/keepalived/README', true],
    ['usr/share/locale/de/LC_MESSAGES/x.mo', true],
    ['usr/lib/x86_64-linux-gnu/perl/5.40.1/Encode.pm', true],
    ['usr/bin/perl', true],
    ['var/lib/dpkg/status', true],
    ['.kernel/linux-image.deb', true],
    ['usr/lib/x86_64-linux-gnu/libperl.so.5.40.1', false],
    ['usr/sbin/keepalived', false],
    ['usr/bin/node', false],
    ['usr/lib/x86_64-linux-gnu/libnode.so.115', false],
    ['etc/passwd', false],
    ['usr/bin/dpkg', true],
    ['usr/bin/dpkg-deb', true],
    ['usr/sbin/ldconfig', true],
    ['usr/bin/tic', true],
    ['usr/sbin/devlink', true],
    ['usr/bin/lslogins', true],
    ['usr/lib/x86_64-linux-gnu/security/pam_userdb.so', true],
    ['usr/lib/x86_64-linux-gnu/security/pam_unix.so', true],
    ['etc/pam.d/su', true],
    ['usr/bin/su', true],
    ['usr/bin/dir', true],
    ['usr/bin/lscpu', true],
    ['usr/share/nodejs/undici/index.js', true],
    ['usr/share/nodejs/acorn/package.json', true],
    ['usr/share/nodejs/@types/node/index.d.ts', true],
    ['usr/bin/corepack', true],
    ['usr/sbin/start-stop-daemon', false],
  ])('%s stripped: %s', (path, stripped) => {
    expect(strip(path)).toBe(stripped);
  });

  it("keeps every file libnode loads from /usr/share/nodejs (Node's builtin dependencies)", () => {
    for (const f of NODE_BUILTIN_FILES) expect(strip(f), f).toBe(false);
  });

  // What the supervisor, the roles and their rendered scripts run: a cut must never take one.
  it.each([
    'usr/bin/busybox',
    'usr/bin/node',
    'usr/bin/env',
    'usr/bin/ip',
    'usr/sbin/tc',
    'usr/bin/ss',
    'usr/sbin/bridge',
    'usr/sbin/nft',
    'usr/sbin/keepalived',
    'usr/sbin/ipvsadm',
    'usr/sbin/conntrack',
    'usr/sbin/conntrackd',
    'usr/sbin/ucarp',
    'usr/sbin/dropbear',
    'usr/bin/dropbearkey',
    'usr/sbin/blkid',
    'usr/sbin/modprobe',
    'usr/sbin/ethtool',
    'usr/bin/mount',
    'usr/bin/umount',
    'usr/sbin/fsck.fat',
    'usr/sbin/mkfs.fat',
    'usr/bin/mtools',
    'usr/bin/flock',
    'usr/bin/sh',
    'usr/bin/dash',
    'usr/bin/bash',
    'usr/sbin/drbdadm',
    'usr/sbin/stonith',
    'usr/bin/cl_status',
  ])('keeps %s, which the image runs', (path) => {
    expect(strip(path)).toBe(false);
  });

  it('keeps perl and python for a profile that needs them (heartbeat)', () => {
    const keep = compileMatcher(stripPatterns(profile({ keep: ['perl', 'python'] })));
    expect(keep('usr/bin/perl')).toBe(false);
    expect(keep('usr/share/perl/5.40.1/strict.pm')).toBe(false);
    expect(keep('usr/lib/python3.13/os.py')).toBe(false);
    expect(keep('usr/share/doc/heartbeat/README')).toBe(true);
  });

  it('keeps PAM and su for a profile that keeps pam (heartbeat)', () => {
    const keep = compileMatcher(stripPatterns(profile({ keep: ['pam'] })));
    expect(keep('usr/lib/x86_64-linux-gnu/security/pam_unix.so')).toBe(false);
    expect(keep('etc/pam.d/su')).toBe(false);
    expect(keep('usr/bin/su')).toBe(false);
    expect(keep('usr/lib/x86_64-linux-gnu/security/pam_userdb.so')).toBe(true);
  });
});

describe('kernel module selection', () => {
  const dep = parseModulesDep(
    [
      'kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz',
      'kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz',
      'kernel/net/core/failover.ko.xz:',
      'kernel/net/netfilter/ipvs/ip_vs_wrr.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz kernel/lib/libcrc32c.ko.xz',
      'kernel/net/netfilter/nf_conntrack.ko.xz: kernel/lib/libcrc32c.ko.xz',
      'kernel/lib/libcrc32c.ko.xz:',
      'kernel/sound/pci/snd-hda-intel.ko.xz: kernel/sound/core/snd.ko.xz',
      'kernel/sound/core/snd.ko.xz:',
      'kernel/drivers/net/virtio_net_extra.ko.xz:',
    ].join('\n'),
  );

  it('keeps matching modules and every dependency, nothing else', () => {
    expect(selectModules(dep, ['drivers/net/virtio_net', 'net/netfilter/ipvs/**'])).toEqual([
      'kernel/drivers/net/net_failover.ko.xz',
      'kernel/drivers/net/virtio_net.ko.xz',
      'kernel/lib/libcrc32c.ko.xz',
      'kernel/net/core/failover.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs.ko.xz',
      'kernel/net/netfilter/ipvs/ip_vs_wrr.ko.xz',
      'kernel/net/netfilter/nf_conntrack.ko.xz',
    ]);
  });

  it('leaves out modules the appliance never loads unless a kept module needs them', () => {
    const d = parseModulesDep(
      [
        'kernel/net/netfilter/x_tables.ko:',
        'kernel/net/netfilter/xt_mark.ko: kernel/net/netfilter/x_tables.ko',
        'kernel/net/netfilter/nf_tables.ko:',
        'kernel/net/netfilter/ipset/ip_set.ko:',
        'kernel/drivers/usb/storage/usb-storage.ko:',
        'kernel/drivers/usb/storage/ums-karma.ko: kernel/drivers/usb/storage/usb-storage.ko',
        'kernel/drivers/net/special.ko: kernel/net/netfilter/x_tables.ko',
      ].join('\n'),
    );
    expect(selectModules(d, ['net/netfilter/**', 'drivers/usb/storage/**'])).toEqual([
      'kernel/drivers/usb/storage/usb-storage.ko',
      'kernel/net/netfilter/nf_tables.ko',
    ]);
    expect(selectModules(d, ['net/netfilter/nf_tables', 'drivers/net/special'])).toEqual([
      'kernel/drivers/net/special.ko',
      'kernel/net/netfilter/nf_tables.ko',
      'kernel/net/netfilter/x_tables.ko',
    ]);
  });

  it('matches a module name exactly, not as a prefix', () => {
    const m = modulePatternMatcher(['drivers/net/virtio_net']);
    expect(m('kernel/drivers/net/virtio_net.ko.xz')).toBe(true);
    expect(m('kernel/drivers/net/virtio_net_extra.ko.xz')).toBe(false);
    expect(m('kernel/drivers/net/virtio_net.ko.zst')).toBe(true);
  });

  it('the real base profile keeps every IPVS scheduler, NICs and stick storage', async () => {
    const { loadProfile } = await import('../../../builder/profile.js');
    const { join } = await import('node:path');
    const p = loadProfile(join(import.meta.dirname, '../../../profiles'), 'director');
    const m = modulePatternMatcher(p.modules);
    for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh']) {
      expect(m(`kernel/net/netfilter/ipvs/ip_vs_${s}.ko.xz`), s).toBe(true);
    }
    for (const mod of [
      'drivers/net/ethernet/intel/e1000e/e1000e',
      'drivers/net/ethernet/realtek/r8169',
      'drivers/usb/storage/usb-storage',
      'drivers/block/floppy',
      'fs/fat/vfat',
      'net/8021q/8021q',
      'drivers/net/bonding/bonding',
    ]) {
      expect(m(`kernel/${mod}.ko.xz`), mod).toBe(true);
    }
    expect(m('kernel/sound/pci/hda/snd-hda-intel.ko.xz')).toBe(false);
  });
});

describe('hashOf', () => {
  it('is stable and sensitive to every part', () => {
    expect(hashOf('a', [1, 2])).toBe(hashOf('a', [1, 2]));
    expect(hashOf('a', [1, 2])).not.toBe(hashOf('a', [2, 1]));
    expect(hashOf('a', 'b')).not.toBe(hashOf('ab'));
  });
});
