/**
 * The image's own daemons as test tools: the Debian rootfs tar built by the image builder is
 * extracted once (per tar, reused across tests and runs) and its programs are run with chroot,
 * inside a throw-away network namespace holding dummy-like interfaces named as the config names
 * them. Needs root, not QEMU.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { run, type RunResult } from '../../builder/exec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.pillars-extracted';

export function rootfsCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pillars', 'rootfs');
}

/** The newest cached rootfs tar whose package list has `pkg`, or undefined. */
export function findRootfsTar(pkg: string, dir = rootfsCacheDir()): string | undefined {
  if (!existsSync(dir)) return undefined;
  const tars = readdirSync(dir)
    .filter((f) => f.endsWith('.tar'))
    .map((f) => join(dir, f))
    .filter((tar) => {
      const list = tar.replace(/\.tar$/, '.packages.json');
      if (!existsSync(list)) return false;
      try {
        return Object.hasOwn(JSON.parse(readFileSync(list, 'utf8')) as object, pkg);
      } catch {
        return false;
      }
    })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return tars[0];
}

/**
 * A directory holding the extracted rootfs that contains `pkg` (default keepalived), building the
 * image first when no cached rootfs has it. Extraction goes to a temporary sibling and is renamed
 * into place, so a crashed run never leaves a half tree that looks complete.
 */
export async function imageRootfs(pkg = 'keepalived', profile?: string): Promise<string> {
  let tar = findRootfsTar(pkg);
  if (!tar) {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'pillars.mjs'), 'build', ...(profile ? ['--profile', profile] : [])],
      { stdio: 'inherit' },
    );
    if (r.status !== 0)
      throw new Error(`pillars build failed (exit ${r.status}) while looking for a rootfs with ${pkg}`);
    tar = findRootfsTar(pkg);
    if (!tar) throw new Error(`no rootfs tar with ${pkg} in ${rootfsCacheDir()} after pillars build`);
  }
  const dir = join(tmpdir(), `pillars-rootfs-${basename(tar, '.tar')}`);
  if (existsSync(join(dir, MARKER))) return dir;
  const partial = `${dir}.partial-${process.pid}-${randomBytes(3).toString('hex')}`;
  mkdirSync(partial, { recursive: true });
  try {
    await run('tar', ['-xf', tar, '-C', partial, '--numeric-owner']);
    writeFileSync(join(partial, MARKER), `${tar}\n`);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(join(dir, MARKER))) return dir; // another run won the race
    throw err;
  }
  return dir;
}

export interface NetnsOptions {
  /** Interface names to create in the namespace (veth pairs, up). */
  interfaces: readonly string[];
}

/**
 * Run `fn` with a fresh network namespace holding the named interfaces; the namespace is deleted
 * afterwards, also when `fn` throws.
 */
export async function withNetns<T>(opts: NetnsOptions, fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `pillars-kt-${randomBytes(4).toString('hex')}`;
  await run('ip', ['netns', 'add', ns]);
  try {
    let i = 0;
    for (const name of opts.interfaces) {
      // veth: the host kernel may lack the dummy driver; the peer keeps the link's carrier up.
      // `name`/`dev` keywords: logical names such as "up" or "down" are also ip(8) keywords.
      const peer = `ktpeer${i++}`;
      await run('ip', ['-n', ns, 'link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', peer]);
      await run('ip', ['-n', ns, 'link', 'set', 'dev', name, 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'dev', peer, 'up']);
    }
    await run('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
    return await fn(ns);
  } finally {
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
  }
}

export interface CheckResult {
  ok: boolean;
  code: number;
  /** What keepalived said (it reports on stderr; stdout included for completeness). */
  output: string;
}

/**
 * `keepalived -t -f <conf>` of the image, in a namespace with `interfaces`. keepalived -t exits
 * non-zero on any error or warning (unknown keyword, value out of range, missing interface…).
 */
export async function keepalivedConfigTest(conf: string, interfaces: readonly string[]): Promise<CheckResult> {
  const rootfs = await imageRootfs('keepalived');
  const name = `pillars-kt-${randomBytes(4).toString('hex')}.conf`;
  const hostPath = join(rootfs, 'tmp', name);
  writeFileSync(hostPath, conf);
  try {
    return await withNetns({ interfaces }, async (ns) => {
      const r: RunResult = await run(
        'ip',
        ['netns', 'exec', ns, 'chroot', rootfs, 'keepalived', '-t', '-f', `/tmp/${name}`],
        { allowFailure: true, timeoutMs: 30_000 },
      );
      return { ok: r.code === 0, code: r.code, output: (r.stderr + r.stdout).trim() };
    });
  } finally {
    rmSync(hostPath, { force: true });
  }
}

/** A FIFO reader that never blocks on open (O_RDWR) and collects complete lines. */
export interface FifoReader {
  lines: string[];
  /** Resolves once `predicate` holds for the lines read so far, or rejects after `timeoutMs`. */
  waitFor(predicate: (lines: readonly string[]) => boolean, timeoutMs: number): Promise<void>;
  close(): void;
}

export async function openFifoReader(path: string): Promise<FifoReader> {
  const { openSync, constants } = await import('node:fs');
  const { Socket } = await import('node:net');
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const sock = new Socket({ fd, readable: true, writable: false });
  const lines: string[] = [];
  let rest = '';
  const waiters = new Set<() => void>();
  sock.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
    for (const w of waiters) w();
  });
  return {
    lines,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(lines)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms; FIFO lines so far: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      sock.destroy();
    },
  };
}

/** argv running `argv` of the image inside namespace `ns`. */
export function inImage(ns: string, rootfs: string, argv: readonly string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, 'chroot', rootfs, ...argv]];
}

/**
 * Run argv chrooted in `rootfs` inside namespace `ns` with the namespace's /proc and /sys mounted
 * in the chroot (in a mount namespace of its own, gone when it exits), as scripts find them on the
 * box. Never throws for the command's failure: exit code and output (stdout + stderr).
 */
export async function inImageWithKernelFs(
  ns: string,
  rootfs: string,
  argv: readonly string[],
): Promise<{ code: number; out: string }> {
  const withKernelFs = 'mount -t proc proc "$0/proc" && mount -t sysfs sysfs "$0/sys" && exec chroot "$0" "$@"';
  const r = await run('ip', ['netns', 'exec', ns, 'unshare', '-m', 'sh', '-c', withKernelFs, rootfs, ...argv], {
    allowFailure: true,
    timeoutMs: 60_000,
  });
  return { code: r.code, out: r.stdout + r.stderr };
}
