/**
 * Network boot as an admin sets it up: dnsmasq (Debian's, from the host) in the lab's namespace
 * serves out/director/ by DHCP and TFTP with the build's own pxe/dnsmasq.conf text, and diskless
 * QEMU machines with a config stick boot from their first NIC to the ready line. A UEFI (OVMF)
 * machine's own PXE client gets the shipped pxe/snponly.efi, which runs pxe/boot.ipxe; a BIOS machine's NIC ROM
 * (QEMU's is iPXE, as many are) runs pxe/boot.ipxe itself; with the pxelinux variant of the
 * config a BIOS machine boots the shipped pxe/pxelinux.0 and pxelinux.cfg/default. The TFTP log
 * shows which programs each machine loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Lab, type HostProcess, type LabVm } from '../../builder/vm/lab.js';
import { dnsmasqConf } from '../../builder/stages/netboot.js';
import { labConfig } from '../../builder/drill/lab-config.js';
import { writeLabStick } from '../../builder/drill/drill.js';
import { until } from '../helpers/wait.js';
import { BOOT_TIMEOUT_MS, imagePath, requireImage } from './image.js';

const asRoot = process.getuid?.() === 0;
const READY = /pillars: ready in (\d+\.\d+)s/;
const SERVER = '192.0.2.1';

describe.skipIf(!asRoot)('network boot from a dnsmasq boot server (director image, TCG)', () => {
  let lab: Lab;
  let dnsmasq: HostProcess | undefined;
  let log: string;
  const root = () => dirname(imagePath('director', 'vmlinuz'));

  beforeAll(async () => {
    requireImage('director');
    lab = await Lab.create({
      segments: [{ name: 'lan' }, { name: 'internal' }, { name: 'sync' }],
      hosts: [{ name: 'boot', nics: [{ segment: 'lan', address: SERVER }] }],
    });
    log = join(lab.dir, 'dnsmasq.log');
    const text = labConfig({ profile: 'director' });
    for (const n of ['node1', 'node2']) await writeLabStick(join(lab.dir, `${n}.img`), 'director', text);
  }, 60_000);

  afterAll(async () => {
    await lab?.dispose();
  }, 60_000);

  /** (Re)starts dnsmasq with the shipped config text for this lab's network. */
  async function serve(bios: 'ipxe' | 'pxelinux'): Promise<void> {
    if (dnsmasq) {
      dnsmasq.kill('SIGTERM');
      await dnsmasq.exited;
    }
    writeFileSync(log, '');
    const host = lab.host('boot');
    const conf = join(lab.dir, `dnsmasq-${bios}.conf`);
    writeFileSync(
      conf,
      dnsmasqConf({
        profile: 'director',
        root: root(),
        iface: host.plan.nics[0]!.ifname,
        range: ['192.0.2.150', '192.0.2.199'],
        bios,
      }),
    );
    dnsmasq = host.spawn('dnsmasq', [
      `--conf-file=${conf}`,
      '--keep-in-foreground',
      '--user=root',
      `--pid-file=${join(lab.dir, 'dnsmasq.pid')}`,
      `--dhcp-leasefile=${join(lab.dir, 'dnsmasq.leases')}`,
      `--log-facility=${log}`,
      '--log-dhcp',
    ]);
    // Ready when it has bound its DHCP and TFTP sockets and said so.
    const d = dnsmasq;
    await until('dnsmasq says it started', 15_000, () => /started, version/.test(readFileSync(log, 'utf8')), 100).catch(
      (e: Error) => {
        throw new Error(`${e.message}; its stderr: ${d.output.stderrTail()}`);
      },
    );
  }

  /** A diskless machine with its config stick and the lab's three NICs, booting from the first. */
  function machine(name: string, index: number, firmware: 'bios' | 'uefi'): Promise<LabVm> {
    return lab.startVm({
      name,
      index,
      firmware,
      // UEFI: the firmware's own PXE client (OVMF's virtio-net driver, no iPXE ROM), as on most
      // UEFI hardware; BIOS: the NIC's PXE ROM, which on QEMU is iPXE.
      boot: { kind: 'network', noNicRom: firmware === 'uefi' },
      nics: [{ segment: 'lan' }, { segment: 'internal' }, { segment: 'sync' }],
      sticks: [{ image: join(lab.dir, `node${index + 1}.img`), as: 'usb' }],
    });
  }

  /** Waits for the stick's config and the ready line; returns the ready line. */
  async function ready(vm: LabVm): Promise<string> {
    const config = await vm.waitFor(/pillars: config from /, BOOT_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}\ndnsmasq's log:\n${readFileSync(log, 'utf8').split('\n').slice(-40).join('\n')}`);
    });
    expect(config.text).toMatch(/PILLARS/);
    const line = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    console.log(`${vm.name}: ${line.text.trim()} after ${(line.t / 1000).toFixed(1)}s wall clock`);
    return line.text;
  }

  /** The files dnsmasq's TFTP sent (paths relative to the TFTP root), in order. */
  function sent(): string[] {
    return [...readFileSync(log, 'utf8').matchAll(/ sent (\S+) to /g)].map((m) => m[1]!.slice(root().length + 1));
  }

  it(
    "iPXE: a UEFI machine loads pxe/snponly.efi, a BIOS machine's iPXE ROM pxe/boot.ipxe; both reach ready with their stick",
    async () => {
      await serve('ipxe');
      const [uefi, bios] = await Promise.all([machine('pxe-uefi', 0, 'uefi'), machine('pxe-bios', 1, 'bios')]);
      try {
        await Promise.all([ready(uefi), ready(bios)]);
        const files = sent();
        expect(files, readFileSync(log, 'utf8')).toContain('pxe/snponly.efi');
        expect(files.filter((f) => f === 'pxe/boot.ipxe').length).toBeGreaterThanOrEqual(2);
        expect(files.filter((f) => f === 'initrd.img').length).toBeGreaterThanOrEqual(2);
      } finally {
        await Promise.all([uefi.stop(), bios.stop()]);
      }
    },
    2 * BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'pxelinux: a BIOS machine loads pxe/pxelinux.0 and its config, and reaches ready with its stick',
    async () => {
      await serve('pxelinux');
      const vm = await machine('pxelinux-bios', 0, 'bios');
      try {
        await ready(vm);
        const files = sent();
        expect(files.slice(0, 2)).toEqual(['pxe/pxelinux.0', 'pxe/ldlinux.c32']);
        expect(files).toContain('pxe/pxelinux.cfg/default');
        expect(files).toContain('vmlinuz');
        expect(files).toContain('initrd.img');
        expect(files).not.toContain('pxe/boot.ipxe');
      } finally {
        await vm.stop();
      }
    },
    2 * BOOT_TIMEOUT_MS + 60_000,
  );
});
