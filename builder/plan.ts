/**
 * The build plan as pure data: what mmdebstrap is asked for, what the image strips, which kernel
 * modules it keeps, and the cache keys that decide when a stage can be reused. Unit tests assert
 * on these values; the stages only execute them.
 */
import type { Profile } from './profile.js';
import { globToRegExp } from './archive/match.js';
import { sha256Parts } from '../overlay/config/hash.js';

export const DEBIAN_SUITE = 'trixie';
export const DEBIAN_MIRRORS = [
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE} main`,
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
];
/** Bump when a stage's recipe changes in a way its inputs do not show. */
export const RECIPE_VERSION = { rootfs: 1, kernel: 3, base: 4 } as const;
/** Default timestamp for every file in the image when SOURCE_DATE_EPOCH is not set (2025-08-09, trixie's release). */
export const DEFAULT_SOURCE_DATE_EPOCH = 1754697600;

/** dpkg never unpacks these: docs, man pages, info, locales. */
export const DPKG_PATH_EXCLUDES = [
  '/usr/share/doc/*',
  '/usr/share/man/*',
  '/usr/share/info/*',
  '/usr/share/locale/*',
  '/usr/share/lintian/*',
  '/usr/share/bash-completion/*',
  '/usr/share/zsh/*',
];

/** A cache key: the first 20 hex digits of the sha256 of the parts as JSON. Pure. */
export function hashOf(...parts: unknown[]): string {
  return sha256Parts(parts.map((p) => JSON.stringify(p))).slice(0, 20);
}

export interface RootfsPlan {
  key: string;
  packages: readonly string[];
  args: string[];
}

export function planRootfs(
  profile: Profile,
  opts: { aptCache: string; hookDir: string; output: string; mirrors?: readonly string[] },
): RootfsPlan {
  const mirrors = opts.mirrors ?? DEBIAN_MIRRORS;
  const packages = profile.packages;
  const key = hashOf('rootfs', RECIPE_VERSION.rootfs, DEBIAN_SUITE, mirrors, packages, DPKG_PATH_EXCLUDES);
  const args = [
    '--mode=root',
    '--variant=essential',
    '--format=tar',
    '--architectures=amd64',
    `--include=${packages.join(',')}`,
    ...DPKG_PATH_EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`),
    '--aptopt=Acquire::Retries "3"',
    // Reuse downloaded .debs between builds (a cache outside the rootfs, synced in and out).
    '--setup-hook=mkdir -p "$1"/var/cache/apt/archives/',
    `--setup-hook=sync-in ${opts.aptCache} /var/cache/apt/archives/`,
    `--customize-hook=sync-out /var/cache/apt/archives ${opts.aptCache}`,
    '--customize-hook=rm -f "$1"/var/cache/apt/archives/*.deb',
    `--customize-hook=${opts.hookDir}/fetch-kernel`,
    DEBIAN_SUITE,
    opts.output,
    ...mirrors,
  ];
  return { key, packages, args };
}

/** What an appliance never reads: documentation, locales, completions, package-manager state. */
export const STRIP_DOCS_AND_STATE = [
  '.kernel/**',
  'usr/share/doc/**',
  'usr/share/man/**',
  'usr/share/info/**',
  'usr/share/locale/**',
  'usr/share/i18n/**',
  'usr/lib/locale/**',
  'usr/share/lintian/**',
  'usr/share/common-licenses/**',
  'usr/share/bash-completion/**',
  'usr/share/zsh/**',
  'usr/share/gcc/**',
  'usr/share/gdb/**',
  'usr/share/menu/**',
  'usr/share/pixmaps/**',
  'usr/share/misc/pci.ids',
  'usr/share/snmp/mibs/**',
  'usr/include/**',
  'usr/lib/x86_64-linux-gnu/gconv/**',
  'var/cache/apt/**',
  'var/cache/debconf/**',
  'var/cache/ldconfig/**',
  'var/lib/apt/**',
  'var/lib/dpkg/**',
  'var/log/**',
  'etc/apt/**',
];

/**
 * Node's own dependencies that Debian ships as files: libnode loads exactly these paths (its
 * builtin acorn, cjs-module-lexer, minimatch and undici's fetch). The rest of /usr/share/nodejs
 * (the npm packages around them, TypeScript declarations, source maps, corepack) is for `require`
 * from programs the image does not have; the supervisor is one esbuild bundle.
 */
export const NODE_BUILTIN_FILES = [
  'usr/share/nodejs/acorn/dist/acorn.js',
  'usr/share/nodejs/acorn-walk/dist/walk.js',
  'usr/share/nodejs/cjs-module-lexer/lexer.js',
  'usr/share/nodejs/cjs-module-lexer/dist/lexer.js',
  'usr/share/nodejs/minimatch/dist/cjs/index.bundle.js',
  'usr/share/nodejs/undici/undici-fetch.js',
];
export const STRIP_NODE_SHARED = ['usr/share/nodejs/**', ...NODE_BUILTIN_FILES.map((f) => `!${f}`), 'usr/bin/corepack'];

/**
 * Programs of Debian's essential set that a diskless appliance never runs. Nothing in the overlay,
 * the role scripts or the daemons calls them; each group says why it is dead on the box. Cutting
 * a program can drop a library too (the library walk below sees no user left): lslogins was the
 * only user of liblastlog2 and so of SQLite, pam_userdb the only user of Berkeley DB, arpd the
 * only other one.
 */
export const STRIP_UNUSED_PROGRAMS = [
  // dpkg and its helpers: nothing is installed on a box that boots from a read-only image
  // (start-stop-daemon stays: init scripts of heartbeat resources use it)
  'usr/bin/dpkg',
  'usr/bin/dpkg-*',
  'usr/bin/update-alternatives',
  'usr/bin/deb-systemd-*',
  'usr/sbin/dpkg-*',
  'usr/sbin/update-rc.d',
  'usr/sbin/pam-auth-update',
  'usr/sbin/update-passwd',
  'usr/libexec/dpkg/**',
  'usr/share/dpkg/**',
  'etc/dpkg/**',
  'usr/bin/cpan*',
  // glibc's cache and locale tools: no ld.so.cache to refresh (ld.so searches the default
  // directories), no locales, no time zone sources, no gconv modules for iconv
  'usr/sbin/ldconfig',
  'usr/sbin/iconvconfig',
  'usr/sbin/zic',
  'usr/bin/zdump',
  'usr/bin/tzselect',
  'usr/bin/locale',
  'usr/bin/localedef',
  'usr/bin/iconv',
  'usr/bin/pldd',
  // terminfo compilers (tput and clear stay)
  'usr/bin/tic',
  'usr/bin/infocmp',
  'usr/bin/toe',
  'usr/bin/tset',
  'usr/bin/reset',
  'usr/bin/captoinfo',
  'usr/bin/infotocap',
  // iproute2 tools for hardware and protocols an appliance does not have: RDMA, TIPC, data
  // center bridging, devlink, vDPA, generic netlink, and route/ARP daemons and accounting
  // (ip, tc, ss, bridge, nstat stay); arpd was the one user of Berkeley DB
  'usr/bin/rdma',
  'usr/sbin/tipc',
  'usr/sbin/dcb',
  'usr/sbin/devlink',
  'usr/sbin/vdpa',
  'usr/sbin/genl',
  'usr/sbin/rtmon',
  'usr/sbin/rtacct',
  'usr/sbin/arpd',
  'usr/bin/routel',
  // util-linux: swap and zram (no disk, no swap), partition and zone tools, memory and CPU
  // hot-plug, RTC wake-up, serial line disciplines, kernel profiling, login records
  'usr/sbin/zramctl',
  'usr/sbin/mkswap',
  'usr/sbin/swapon',
  'usr/sbin/swapoff',
  'usr/sbin/swaplabel',
  'usr/bin/partx',
  'usr/sbin/addpart',
  'usr/sbin/delpart',
  'usr/sbin/resizepart',
  'usr/sbin/blkzone',
  'usr/sbin/blkdiscard',
  'usr/sbin/fstrim',
  'usr/sbin/chmem',
  'usr/bin/lsmem',
  'usr/sbin/chcpu',
  'usr/sbin/rtcwake',
  'usr/sbin/ldattach',
  'usr/sbin/readprofile',
  'usr/bin/lsipc',
  'usr/bin/lslogins',
  'usr/bin/script',
  'usr/bin/scriptlive',
  'usr/bin/scriptreplay',
  // util-linux: CPU, namespace, lock and scheduling inspectors and tweakers, terminal and pager
  // helpers (busybox has more and less-like paging; dmesg, lsblk, findmnt, flock, wdctl stay)
  'usr/bin/lscpu',
  'usr/bin/lsns',
  'usr/bin/lslocks',
  'usr/bin/prlimit',
  'usr/bin/setterm',
  'usr/bin/more',
  'usr/bin/uclampset',
  'usr/bin/hardlink',
  'usr/sbin/isosize',
  'usr/bin/mcookie',
  'usr/sbin/fsfreeze',
  'usr/bin/fincore',
  'usr/bin/namei',
  'usr/bin/rename.ul',
  'usr/bin/whereis',
  'usr/bin/chrt',
  'usr/bin/taskset',
  'usr/bin/setarch',
  'usr/bin/linux32',
  'usr/bin/linux64',
  'usr/bin/i386',
  'usr/bin/x86_64',
  'usr/bin/choom',
  'usr/bin/unshare',
  'usr/bin/nsenter',
  'usr/bin/setpriv',
  'usr/bin/ionice',
  // coreutils that no script calls: second copies of ls (dir, vdir), SELinux contexts (the
  // kernel runs without SELinux), text formatting for printers and indexes, secure deletion of
  // disk files (there is no disk), number factoring and formatting, rare checksums
  'usr/bin/dir',
  'usr/bin/vdir',
  'usr/bin/chcon',
  'usr/bin/runcon',
  'usr/bin/ptx',
  'usr/bin/pr',
  'usr/bin/csplit',
  'usr/bin/shred',
  'usr/bin/factor',
  'usr/bin/numfmt',
  'usr/bin/pinky',
  'usr/bin/dircolors',
  'usr/bin/pathchk',
  'usr/bin/b2sum',
  'usr/bin/basenc',
  'usr/bin/base32',
  'usr/bin/sha224sum',
  'usr/bin/sha384sum',
  // PAM's Berkeley DB user database (nothing configures it; console login is busybox's)
  'usr/lib/x86_64-linux-gnu/security/pam_userdb.so',
  // GLib's schema compiler, module cache tool and desktop launcher (keepalived links GLib only
  // for its D-Bus interface)
  'usr/lib/x86_64-linux-gnu/glib-2.0/**',
  // tar's remote tape server
  'usr/sbin/rmt-tar',
  'usr/sbin/rmt',
];

/**
 * PAM, for the profiles that do not keep it: nothing on the box authenticates through it. The
 * console login is busybox getty + login and SSH is dropbear, neither built with PAM; root has no
 * use for su or runuser. libpam, libaudit and libcap-ng go with their last users (the library
 * walk). The heartbeat image keeps PAM: its resource agents may start services with su.
 */
export const STRIP_PAM = [
  'etc/pam.d/**',
  'etc/security/**',
  'usr/lib/x86_64-linux-gnu/security/**',
  'usr/share/pam/**',
  'usr/share/pam-configs/**',
  'usr/bin/su',
  'usr/sbin/runuser',
  'usr/sbin/unix_chkpwd',
  'usr/sbin/unix_update',
  'usr/sbin/faillock',
  'usr/sbin/pam_timestamp_check',
  'usr/sbin/mkhomedir_helper',
  'usr/sbin/pwhistory_helper',
  'usr/sbin/pam_namespace_helper',
  'usr/sbin/pam_getenv',
];

/** Perl and Python, for the profiles that do not keep them. */
export const STRIP_PERL = [
  'usr/bin/perl',
  'usr/bin/perl5*',
  'usr/lib/x86_64-linux-gnu/perl/**',
  'usr/lib/x86_64-linux-gnu/perl-base/**',
  'usr/lib/x86_64-linux-gnu/perl5/**',
  'usr/share/perl/**',
  'usr/share/perl5/**',
  'usr/share/debconf/**',
  'usr/bin/debconf*',
];
export const STRIP_PYTHON = ['usr/lib/python3*/**', 'usr/bin/python3*', 'usr/share/python3/**'];

/**
 * Paths (relative, glob: `*` within a segment, `**` any depth, `!` re-includes) that an appliance
 * never uses. What a profile lists under `keep` stays.
 */
export function stripPatterns(profile: Pick<Profile, 'keep'>): string[] {
  return [
    ...STRIP_DOCS_AND_STATE,
    ...STRIP_NODE_SHARED,
    ...STRIP_UNUSED_PROGRAMS,
    ...(profile.keep.includes('perl') ? [] : STRIP_PERL),
    ...(profile.keep.includes('python') ? [] : STRIP_PYTHON),
    ...(profile.keep.includes('pam') ? [] : STRIP_PAM),
  ];
}

const MODULE_SUFFIX = /\.ko(\.xz|\.zst|\.gz)?$/;

/** `drivers/net/virtio_net` or `net/netfilter/**` → matcher over `kernel/...ko.xz` paths. */
export function modulePatternMatcher(patterns: readonly string[]): (modulePath: string) => boolean {
  const res = patterns.map((p) => globToRegExp(`kernel/${p}`));
  return (m) => {
    const bare = m.replace(MODULE_SUFFIX, '');
    return res.some((r) => r.test(bare));
  };
}

/** Parse depmod's modules.dep ("kernel/a.ko.xz: kernel/b.ko.xz kernel/c.ko.xz"). */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const mod = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(mod, rest ? rest.split(/\s+/) : []);
  }
  return deps;
}

/**
 * Modules that the profiles' broad patterns (`net/netfilter/**`, `drivers/usb/storage/**`, …)
 * would take but that an appliance never loads. A kept module that depends on one of them still
 * brings it along (the closure wins), so a cut here can never break a kept driver.
 */
export const NEVER_LOADED_MODULES = [
  // iptables, ip6tables, arptables and ebtables (x_tables and every xt_/ipt_/ebt_ match and
  // target): the image has none of those tools; its packet filter is nftables, and keepalived
  // is never configured with vrrp_iptables or vrrp_ipsets
  'net/netfilter/x_tables',
  'net/netfilter/xt_*',
  'net/netfilter/nft_compat',
  'net/ipv4/netfilter/ip_tables',
  'net/ipv4/netfilter/iptable_*',
  'net/ipv4/netfilter/ipt_*',
  'net/ipv4/netfilter/arp_tables',
  'net/ipv4/netfilter/arptable_*',
  'net/ipv4/netfilter/arpt_*',
  'net/ipv6/netfilter/ip6_tables',
  'net/ipv6/netfilter/ip6table_*',
  'net/ipv6/netfilter/ip6t_*',
  'net/bridge/netfilter/ebtables',
  'net/bridge/netfilter/ebtable_*',
  'net/bridge/netfilter/ebt_*',
  // ipset: nftables has sets of its own and the image has no ipset tool
  'net/netfilter/ipset/**',
  // quirk drivers for card readers, MP3 players and USB-ATAPI bridges of the early 2000s
  // (usb-storage and uas, which every stick speaks, stay)
  'drivers/usb/storage/ums-*',
  // the USB host controller on a PCMCIA card (it alone would bring in the PCMCIA core)
  'drivers/usb/host/sl811*',
];

/**
 * The modules an appliance keeps: every module matching a pattern and none of `never` (by
 * default NEVER_LOADED_MODULES), plus everything those depend on (closure over modules.dep).
 * Returns sorted paths as they appear in modules.dep.
 */
export function selectModules(
  deps: Map<string, string[]>,
  patterns: readonly string[],
  never: readonly string[] = NEVER_LOADED_MODULES,
): string[] {
  const wanted = modulePatternMatcher(patterns);
  const unwanted = modulePatternMatcher(never);
  const keep = new Set<string>();
  const visit = (m: string) => {
    if (keep.has(m)) return;
    keep.add(m);
    for (const d of deps.get(m) ?? []) visit(d);
  };
  for (const m of deps.keys()) if (wanted(m) && !unwanted(m)) visit(m);
  return [...keep].sort();
}

export function kernelKey(rootfsKey: string, profile: Profile): string {
  return hashOf('kernel', RECIPE_VERSION.kernel, rootfsKey, profile.modules, NEVER_LOADED_MODULES);
}

export function baseKey(rootfsKey: string, kernel: string, profile: Profile, epoch: number): string {
  return hashOf('base', RECIPE_VERSION.base, rootfsKey, kernel, stripPatterns(profile), epoch);
}
