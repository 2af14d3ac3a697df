/**
 * The build as a user sees it: what the image contains (read back from the real archives), that
 * an overlay-only rebuild reuses every slow stage, that two builds are byte-identical
 * (`pillars verify`), and that mistakes get one clear line and the right exit code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { imagePath, outRoot, root, testProfiles } from './image.js';
import type { Manifest } from '../../builder/stages/manifest.js';
import { readElf } from '../../builder/archive/elf.js';

const pillars = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'pillars.mjs'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const manifest = () => JSON.parse(readFileSync(imagePath('director', 'manifest.json'), 'utf8')) as Manifest;
const cacheDir = process.env.PILLARS_CACHE ?? join(homedir(), '.cache', 'pillars');

function listCpio(zst: Buffer): string[] {
  const cpio = spawnSync('sh', ['-c', 'zstd -dc | cpio -t --quiet'], { input: zst, maxBuffer: 64 << 20 });
  expect(cpio.status, cpio.stderr?.toString()).toBe(0);
  return cpio.stdout.toString().trim().split('\n');
}

describe('image contents', () => {
  const m = manifest();
  const initrd = readFileSync(imagePath('director', 'initrd.img'));
  const baseFile = join(cacheDir, 'base', `${m.inputs.base}.cpio.zst`);
  const baseSize = statSync(baseFile).size;
  const base = listCpio(initrd.subarray(0, baseSize));
  const overlay = listCpio(initrd.subarray(baseSize));

  it('the initrd is the cached base archive followed by the overlay archive', () => {
    expect(initrd.subarray(0, baseSize).equals(readFileSync(baseFile))).toBe(true);
    expect(overlay).toContain('usr/lib/pillars/supervisor.cjs');
    expect(overlay).toContain('init');
    expect(overlay).toContain('dev/console');
    expect(overlay).toContain('etc/inittab');
    expect(overlay).toContain('usr/lib/pillars/early-boot');
  });

  it('carries the role daemons, Node and a pruned kernel module set', () => {
    for (const f of [
      'usr/sbin/keepalived',
      'usr/sbin/ipvsadm',
      'usr/sbin/nft',
      'usr/bin/node',
      'usr/bin/busybox',
      'usr/sbin/modprobe',
    ])
      expect(base, f).toContain(f);
    const modules = base.filter((p) => /\.ko(\.xz)?$/.test(p));
    expect(modules.length).toBe(m.kernel.modules);
    expect(modules.some((p) => p.endsWith('/ip_vs_wrr.ko'))).toBe(true);
    expect(modules.some((p) => p.endsWith('/virtio_net.ko'))).toBe(true);
    expect(modules.some((p) => p.includes('/sound/'))).toBe(false);
    expect(base).toContain(`usr/lib/modules/${m.kernel.version}/modules.dep`);
  });

  it("keeps the modules without Debian's signatures (the kernel checked them at every load)", () => {
    const tree = join(cacheDir, 'kernel', m.inputs.kernel, 'modules', 'usr', 'lib', 'modules', m.kernel.version);
    const modules = readdirSync(tree, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.ko'));
    expect(modules.length).toBe(m.kernel.modules);
    const signed = modules.filter(
      (p) => readFileSync(join(tree, p)).subarray(-28).toString() === '~Module signature appended~\n',
    );
    expect(signed).toEqual([]);
  });

  it('strips docs, locales, perl modules and package caches but keeps libperl for keepalived', () => {
    expect(base.filter((p) => /^usr\/share\/(doc|man|info|locale)\//.test(p))).toEqual([]);
    expect(base.filter((p) => /^usr\/(share|lib\/x86_64-linux-gnu)\/perl/.test(p))).toEqual([]);
    expect(base.filter((p) => p.startsWith('var/lib/dpkg/') || p.startsWith('var/cache/apt/'))).toEqual([]);
    expect(base.some((p) => /^usr\/lib\/x86_64-linux-gnu\/libperl\.so/.test(p))).toBe(true);
  });

  it('records every package version and artifact hash in the manifest', () => {
    expect(m.debian.suite).toBe('trixie');
    expect(m.packages.keepalived).toMatch(/^1:2\.|^2\./);
    expect(Object.keys(m.packages).length).toBeGreaterThan(50);
    expect(m.artifacts.map((a) => a.path)).toEqual([
      'initrd.img',
      'pillars.iso',
      'pxe/boot.ipxe',
      'pxe/dnsmasq.conf',
      'pxe/ldlinux.c32',
      'pxe/pxelinux.0',
      'pxe/pxelinux.cfg/default',
      'pxe/snponly.efi',
      'pxe/undionly.kpxe',
      'vmlinuz',
    ]);
    expect(m.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256) && a.bytes > 0)).toBe(true);
  });
});

/** Unpack both archives of the initrd into a fresh directory, as the kernel does (later files win). */
function unpackInitrd(initrd: Buffer, baseSize: number): string {
  const dir = mkdtempSync(join(outRoot, '.test-unpacked-'));
  for (const part of [initrd.subarray(0, baseSize), initrd.subarray(baseSize)]) {
    const r = spawnSync('sh', ['-c', 'zstd -dc | cpio -idm --quiet --no-absolute-filenames'], {
      input: part,
      cwd: dir,
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr?.toString()).toBe(0);
  }
  return dir;
}

function* walkFiles(root: string, rel = ''): Generator<string> {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walkFiles(root, p);
    else if (e.isFile()) yield p;
  }
}

/** Every NEEDED name of every ELF file under `dir` that ld.so would not find inside the image. */
function missingLibraries(dir: string): { elves: number; missing: string[] } {
  const missing: string[] = [];
  let elves = 0;
  for (const rel of walkFiles(dir)) {
    if (rel.startsWith('usr/lib/modules/')) continue;
    const info = readElf(readFileSync(join(dir, rel)));
    if (!info) continue;
    elves++;
    for (const lib of info.needed) {
      // ld.so's default search path, resolved through the image's own symlinks
      const found = ['usr/lib/x86_64-linux-gnu', 'usr/lib', 'lib/x86_64-linux-gnu', 'lib'].some((d) => {
        const p = join(dir, d, lib);
        return existsSync(p) && realpathSync(p).startsWith(realpathSync(dir) + '/');
      });
      if (!found) missing.push(`${rel} needs ${lib}`);
    }
  }
  return { elves, missing };
}

// Every profile's image, not only the director's: the strip lists and the library walk apply to
// all of them, and a program that misses a library would only fail on the box.
describe.each(testProfiles().filter((p) => p !== 'director'))('the unpacked %s image', (profile) => {
  it('every ELF program and library finds each DT_NEEDED library in the image', () => {
    const m = JSON.parse(readFileSync(imagePath(profile, 'manifest.json'), 'utf8')) as Manifest;
    const initrd = readFileSync(imagePath(profile, 'initrd.img'));
    const baseSize = statSync(join(cacheDir, 'base', `${m.inputs.base}.cpio.zst`)).size;
    const dir = unpackInitrd(initrd, baseSize);
    try {
      const { elves, missing } = missingLibraries(dir);
      expect(elves).toBeGreaterThan(100);
      expect(missing).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the unpacked image', () => {
  const m = manifest();
  const initrd = readFileSync(imagePath('director', 'initrd.img'));
  const baseSize = statSync(join(cacheDir, 'base', `${m.inputs.base}.cpio.zst`)).size;
  const dir = unpackInitrd(initrd, baseSize);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every ELF program and library finds each DT_NEEDED library in the image', () => {
    const { elves, missing } = missingLibraries(dir);
    expect(elves).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('every file libnode loads from /usr/share/nodejs is in the image, and fetch works', () => {
    const lib = readdirSync(join(dir, 'usr/lib/x86_64-linux-gnu')).find((f) => /^libnode\.so\.\d+$/.test(f))!;
    const paths = [
      ...new Set(
        readFileSync(join(dir, 'usr/lib/x86_64-linux-gnu', lib))
          .toString('latin1')
          .match(/\/usr\/share\/nodejs\/[\w@/.-]+\.js/g),
      ),
    ];
    expect(paths.length).toBeGreaterThan(3);
    for (const p of paths) expect(existsSync(join(dir, p)), p).toBe(true);
    const js = `new Request('http://192.0.2.1/'); console.log(typeof fetch, new Response('ok').status)`;
    const r = spawnSync('chroot', [dir, '/usr/bin/node', '-e', js], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/usr/sbin' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function 200');
  });

  it("Node runs with the image's English-only ICU: dates, numbers, collation, time zones", () => {
    const js = `console.log(JSON.stringify([new Date(0).toLocaleString('en-US', { timeZone: 'UTC' }), (1234567.5).toLocaleString(), ['b', 'a', 'ä'].sort((x, y) => x.localeCompare(y)), new Intl.DateTimeFormat('en', { timeZone: 'Europe/Berlin', timeZoneName: 'short' }).format(0), new Intl.NumberFormat('de-DE').format(1.5), [...new Intl.Segmenter('en', { granularity: 'word' }).segment('hello world')].length, new URL('http://bücher.example/').host, process.versions.icu]))`;
    const r = spawnSync('chroot', [dir, '/usr/bin/node', '-e', js], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/usr/sbin' },
    });
    expect(r.status, r.stderr).toBe(0);
    const [date, num, sorted, berlin, de, words, idn] = JSON.parse(r.stdout) as unknown[];
    expect(date).toBe('1/1/1970, 12:00:00 AM');
    expect(num).toBe('1,234,567.5');
    expect(sorted).toEqual(['a', 'ä', 'b']);
    expect(berlin).toMatch(/GMT\+1/);
    expect(de).toBe('1.5'); // other locales fall back to English, as in Node's small-icu
    expect(words).toBe(3); // break rules stay (the CJK/Thai dictionaries do not)
    expect(idn).toBe('xn--bcher-kva.example');
  });

  it('the manifest says where the unpacked bytes go, per package and per directory', () => {
    const sizes = m.sizes!;
    expect(sizes.totalBytes).toBeGreaterThan(50 << 20);
    expect(sizes.packages[0]!.name).toMatch(/^libnode/);
    const icu = sizes.packages.find((p) => p.name.startsWith('libicu'))!;
    expect(icu.bytes).toBeLessThan(16 << 20);
    expect(sizes.packages.some((p) => p.name === '(kernel modules)')).toBe(true);
    expect(sizes.directories.some((d) => d.path === 'usr/lib/x86_64-linux-gnu')).toBe(true);
  });
});

describe('pillars build', () => {
  it('rebuilds an overlay change without mmdebstrap and without repacking the base', () => {
    // A separate output root: the stamp stands in for an overlay code change; the cache is shared.
    const out = mkdtempSync(join(outRoot, '.test-warm-'));
    const r = spawnSync(process.execPath, [join(root, 'bin', 'pillars.mjs'), 'build', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, PILLARS_BUILD_STAMP: `test-${Date.now()}` },
    });
    rmSync(out, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rootfs: reusing/);
    expect(r.stderr).toMatch(/kernel: reusing/);
    expect(r.stderr).toMatch(/base archive: reusing/);
    expect(r.stderr).not.toMatch(/mmdebstrap \d+ packages/);
    // every stage prints a timed line
    expect(r.stderr).toMatch(/✓ iso: hybrid BIOS \+ UEFI image \(\d+\.\ds\)/);
  });

  it('is reproducible: pillars verify finds every artifact byte-identical', () => {
    const r = pillars('verify', '--out', outRoot);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reproducible: 10 artifacts byte-identical/);
    // An uncached rebuild (zstd -19 of the base archive): about 2 min quiet, 6 min seen when loaded.
  }, 900_000);

  it.each([
    [
      ['build', '--profile', 'nope'],
      2,
      /^pillars build: unknown profile 'nope'\nhint: choose one of: director, firewall, heartbeat, realserver, router\n$/,
    ],
    [['build', '--frobnicate'], 2, /^pillars build: unknown option --frobnicate\nhint: usage: pillars build /],
    [['frobnicate'], 2, /^pillars: unknown command 'frobnicate'/],
  ])('pillars %j exits %i with one clear line', (args, code, stderr) => {
    const r = pillars(...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('every command has --help', () => {
    for (const cmd of ['build', 'verify', 'doctor', 'run', 'drill', 'stick', 'schema']) {
      const r = pillars(cmd, '--help');
      expect(r.status, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/^usage: pillars /);
    }
  });
});
