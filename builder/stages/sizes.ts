/**
 * Where the bytes of the unpacked initramfs go: per Debian package (from dpkg's file lists) and
 * per directory. Written next to the cached base archive and into manifest.json; the benchmark
 * prints it. Pure.
 */
import { bodySize, type ArchiveRecord } from '../archive/records.js';

export interface SizeReport {
  /** Bytes of every regular file in the base archive. */
  totalBytes: number;
  /** Largest first; files no package owns are under "(kernel modules)" or "(other)". */
  packages: Array<{ name: string; bytes: number; files: number }>;
  /** Directories up to three levels deep, largest first (a directory counts its whole subtree). */
  directories: Array<{ path: string; bytes: number }>;
}

/** dpkg's `var/lib/dpkg/info/<pkg>[:arch].list` bodies → image path → package. Pure. */
export function ownersFromLists(lists: ReadonlyMap<string, string>): Map<string, string> {
  const owner = new Map<string, string>();
  for (const [file, text] of lists) {
    const pkg = file
      .replace(/^.*\//, '')
      .replace(/\.list$/, '')
      .replace(/:.*$/, '');
    for (const line of text.split('\n')) {
      const p = line.replace(/^\/+/, '');
      if (!p || p === '.') continue;
      owner.set(p, pkg);
      // merged /usr: dpkg may list /bin/x, /lib/x, /sbin/x for what lives under usr/
      if (/^(bin|sbin|lib|lib64)\//.test(p)) owner.set(`usr/${p}`, pkg);
    }
  }
  return owner;
}

export function sizeReport(
  records: readonly ArchiveRecord[],
  owner: ReadonlyMap<string, string>,
  opts: { depth?: number; topDirectories?: number } = {},
): SizeReport {
  const depth = opts.depth ?? 3;
  const pk = new Map<string, { bytes: number; files: number }>();
  const dirs = new Map<string, number>();
  let total = 0;
  for (const r of records) {
    if (r.type !== 'file') continue;
    const bytes = bodySize(r);
    total += bytes;
    const name = owner.get(r.path) ?? (r.path.startsWith('usr/lib/modules/') ? '(kernel modules)' : '(other)');
    const e = pk.get(name) ?? { bytes: 0, files: 0 };
    e.bytes += bytes;
    e.files++;
    pk.set(name, e);
    const parts = r.path.split('/').slice(0, -1);
    for (let i = 1; i <= Math.min(depth, parts.length); i++) {
      const d = parts.slice(0, i).join('/');
      dirs.set(d, (dirs.get(d) ?? 0) + bytes);
    }
  }
  const byBytes = <T extends { bytes: number }>(a: T & { k: string }, b: T & { k: string }) =>
    b.bytes - a.bytes || (a.k < b.k ? -1 : 1);
  return {
    totalBytes: total,
    packages: [...pk]
      .map(([name, e]) => ({ k: name, name, ...e }))
      .sort(byBytes)
      .map(({ k: _k, ...p }) => p),
    directories: [...dirs]
      .map(([path, bytes]) => ({ k: path, path, bytes }))
      .sort(byBytes)
      .slice(0, opts.topDirectories ?? 40)
      .map(({ k: _k, ...d }) => d),
  };
}

/** Lines for a terminal: "  52.6 MiB  libnode115". Pure. */
export function formatSizeReport(r: SizeReport, top = 15): string[] {
  const mib = (b: number) => `${(b / 1048576).toFixed(1).padStart(6)} MiB`;
  return [
    `unpacked initramfs base: ${mib(r.totalBytes).trim()}`,
    'largest packages:',
    ...r.packages.slice(0, top).map((p) => `  ${mib(p.bytes)}  ${p.name} (${p.files} files)`),
    'largest directories:',
    ...r.directories.slice(0, top).map((d) => `  ${mib(d.bytes)}  ${d.path}/`),
  ];
}
