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
export const RECIPE_VERSION = { rootfs: 1, kernel: 2, base: 3 } as const;
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

/**
 * Paths (relative, glob: `*` within a segment, `**` any depth) that an appliance never uses.
 * What a profile lists under `keep` stays.
 */
export function stripPatterns(profile: Pick<Profile, 'keep'>): string[] {
  const always = [
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
    'usr/share/nodejs/corepack/**',
    // TypeScript declarations and source maps: never loaded by Node
    'usr/share/nodejs/@types/**',
    'usr/share/nodejs/undici-types/**',
    'usr/share/nodejs/**/*.d.ts',
    'usr/share/nodejs/**/*.map',
    // iproute2's ARP daemon, the one user of Berkeley DB (libdb5.3, 1.8 MiB) in the image
    'usr/sbin/arpd',
    'usr/bin/corepack',
    'usr/include/**',
    'usr/lib/x86_64-linux-gnu/gconv/**',
    'usr/bin/localedef',
    'var/cache/apt/**',
    'var/cache/debconf/**',
    'var/cache/ldconfig/**',
    'var/lib/apt/**',
    'var/lib/dpkg/**',
    'var/log/**',
    'etc/apt/**',
  ];
  const perl = [
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
  const python = ['usr/lib/python3*/**', 'usr/bin/python3*', 'usr/share/python3/**'];
  return [
    ...always,
    ...(profile.keep.includes('perl') ? [] : perl),
    ...(profile.keep.includes('python') ? [] : python),
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
 * The modules an appliance keeps: every module matching a pattern, plus everything those depend
 * on (closure over modules.dep). Returns sorted paths as they appear in modules.dep.
 */
export function selectModules(deps: Map<string, string[]>, patterns: readonly string[]): string[] {
  const wanted = modulePatternMatcher(patterns);
  const keep = new Set<string>();
  const visit = (m: string) => {
    if (keep.has(m)) return;
    keep.add(m);
    for (const d of deps.get(m) ?? []) visit(d);
  };
  for (const m of deps.keys()) if (wanted(m)) visit(m);
  return [...keep].sort();
}

export function kernelKey(rootfsKey: string, profile: Profile): string {
  return hashOf('kernel', RECIPE_VERSION.kernel, rootfsKey, profile.modules);
}

export function baseKey(rootfsKey: string, kernel: string, profile: Profile, epoch: number): string {
  return hashOf('base', RECIPE_VERSION.base, rootfsKey, kernel, stripPatterns(profile), epoch);
}
