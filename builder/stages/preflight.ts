/**
 * Preflight: every host tool the build (or the tests) needs is checked before any slow work.
 * Missing ones are installed with apt-get when running as root; otherwise the exact command is shown.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Runner, RunResult } from '../exec.js';

export interface HostTool {
  /** A command on PATH or an absolute file path. */
  probe: string;
  pkg: string;
  why: string;
}

export const BUILD_TOOLS: readonly HostTool[] = [
  { probe: 'mmdebstrap', pkg: 'mmdebstrap', why: 'creates the Debian root filesystem' },
  { probe: 'dpkg-deb', pkg: 'dpkg', why: 'unpacks the kernel package' },
  { probe: 'depmod', pkg: 'kmod', why: 'indexes the pruned kernel modules' },
  { probe: 'zstd', pkg: 'zstd', why: 'compresses the initramfs' },
  { probe: 'xz', pkg: 'xz-utils', why: 'unpacks the kernel modules (stored uncompressed in the initramfs)' },
  { probe: 'objcopy', pkg: 'binutils', why: 'wraps the English-only ICU data as a library' },
  { probe: 'ld', pkg: 'binutils', why: 'links the English-only ICU data library' },
  { probe: 'xorriso', pkg: 'xorriso', why: 'writes the hybrid ISO' },
  { probe: 'grub-mkimage', pkg: 'grub-common', why: 'makes the GRUB boot images' },
  { probe: '/usr/lib/grub/i386-pc/boot_hybrid.img', pkg: 'grub-pc-bin', why: 'GRUB for BIOS boot' },
  { probe: '/usr/lib/grub/x86_64-efi/linux.mod', pkg: 'grub-efi-amd64-bin', why: 'GRUB for UEFI boot' },
  { probe: 'mcopy', pkg: 'mtools', why: 'fills the UEFI boot image and config sticks' },
  { probe: 'mkfs.fat', pkg: 'dosfstools', why: 'formats the UEFI boot image and config sticks' },
  {
    probe: '/usr/share/keyrings/debian-archive-keyring.gpg',
    pkg: 'debian-archive-keyring',
    why: 'verifies Debian archive signatures',
  },
];

export const TEST_TOOLS: readonly HostTool[] = [
  { probe: 'qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'boots the image in tests and labs' },
  { probe: '/usr/share/ovmf/OVMF.fd', pkg: 'ovmf', why: 'UEFI firmware for QEMU' },
  { probe: 'cpio', pkg: 'cpio', why: 'reads archives back in tests' },
  { probe: 'bsdtar', pkg: 'libarchive-tools', why: 'reads archives back in tests' },
  { probe: 'ip', pkg: 'iproute2', why: 'network namespaces for the test LAN' },
  { probe: 'dnsmasq', pkg: 'dnsmasq-base', why: 'DHCP and TFTP boot server of the network boot test' },
  { probe: 'tcpdump', pkg: 'tcpdump', why: "times the master's VRRP adverts in the benchmark's idle runs" },
  { probe: 'fsck.fat', pkg: 'dosfstools', why: 'checks config sticks' },
  { probe: 'nft', pkg: 'nftables', why: 'checks rendered firewall rulesets (nft -c)' },
  { probe: 'bridge', pkg: 'iproute2', why: 'bridges of the test LAN' },
  { probe: 'ping', pkg: 'iputils-ping', why: 'reachability checks in the test LAN' },
  { probe: 'ssh-keygen', pkg: 'openssh-client', why: 'makes the key of the SSH admin-access test' },
  { probe: 'promtool', pkg: 'prometheus', why: 'checks the /metrics exposition (promtool check metrics)' },
  { probe: 'chromium', pkg: 'chromium', why: 'renders the status page in the browser test (headless)' },
  {
    probe: 'busybox',
    pkg: 'busybox',
    why: "runs the image's STONITH plugin against the lab power controller in tests",
  },
];

export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  const dirs = (env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d && existsSync(join(d, cmd)));
}

/** Pure: which packages provide the missing tools (sorted, unique). */
export function missingPackages(tools: readonly HostTool[], present: (probe: string) => boolean): string[] {
  return [...new Set(tools.filter((t) => !present(t.probe)).map((t) => t.pkg))].sort();
}

export function installCommand(pkgs: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

export async function ensureHostTools(
  tools: readonly HostTool[],
  log: Logger,
  run: Runner,
  isRoot = process.getuid?.() === 0,
): Promise<void> {
  const missing = missingPackages(tools, (p) => onPath(p));
  if (missing.length === 0) return;
  if (!isRoot) {
    throw new UserError(`missing host tools (Debian packages: ${missing.join(', ')})`, {
      hint: `as root, run: ${installCommand(missing)}`,
    });
  }
  log.info(`installing host packages: ${missing.join(' ')}`);
  const res = await withAptUpdate(run, (env) =>
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, allowFailure: true }),
  );
  if (res.code !== 0) {
    throw new UserError(`could not install host packages: ${missing.join(', ')}`, {
      hint: `run: ${installCommand(missing)}\n${res.stderr.trim().split('\n').slice(-5).join('\n')}`,
    });
  }
  const still = missingPackages(tools, (p) => onPath(p));
  if (still.length) throw new UserError(`host tools still missing after install: ${still.join(', ')}`);
}

/**
 * Runs an apt-get step (with allowFailure); when it fails, updates the package lists once and runs
 * it again, since a fresh or stale host fails for want of them. The second result is returned.
 */
export async function withAptUpdate(
  run: Runner,
  step: (env: NodeJS.ProcessEnv) => Promise<RunResult>,
): Promise<RunResult> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const first = await step(env);
  if (first.code === 0) return first;
  await run('apt-get', ['update', '-q'], { env, hint: 'apt-get update failed: is the Debian mirror reachable?' });
  return step(env);
}
