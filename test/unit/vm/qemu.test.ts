import { describe, expect, it } from 'vitest';
import { cleanMonitorOutput, netdevId, qemuArgs, qemuCommand, type VmSpec } from '../../../builder/vm/qemu.js';

const spec: VmSpec = {
  name: 'node1',
  boot: { kind: 'kernel', kernel: '/o/vmlinuz', initrd: '/o/initrd.img', append: 'console=ttyS0' },
  nics: [
    { mac: '52:54:00:00:00:00', tap: 'pillars-ab12-t0' },
    { mac: '52:54:00:00:00:01', tap: 'pillars-ab12-t1', model: 'e1000' },
  ],
  monitorSocket: '/tmp/x/node1.monitor',
};

describe('qemu command', () => {
  it('taps get netdev ids net<i> (what set_link takes) and fixed MACs', () => {
    const a = qemuArgs(spec).join(' ');
    expect(netdevId(1)).toBe('net1');
    expect(a).toContain(
      '-netdev tap,id=net0,ifname=pillars-ab12-t0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=52:54:00:00:00:00',
    );
    expect(a).toContain('-device e1000,netdev=net1,mac=52:54:00:00:00:01');
    expect(a).toContain('-monitor unix:/tmp/x/node1.monitor,server,nowait');
  });

  it('runs inside the lab namespace through ip netns exec when asked', () => {
    expect(qemuCommand(spec)).toEqual({ cmd: 'qemu-system-x86_64', args: qemuArgs(spec) });
    const c = qemuCommand({ ...spec, netns: 'pillars-lab-ab12' });
    expect(c.cmd).toBe('ip');
    expect(c.args.slice(0, 4)).toEqual(['netns', 'exec', 'pillars-lab-ab12', 'qemu-system-x86_64']);
    expect(c.args.slice(4)).toEqual(qemuArgs(spec));
  });
});

describe('watchdog and resets', () => {
  it('the i6300ESB resets the machine; a reset boots again only when asked', () => {
    expect(qemuArgs(spec)).toContain('-no-reboot');
    expect(qemuArgs(spec)).not.toContain('i6300esb');
    const a = qemuArgs({ ...spec, watchdog: 'i6300esb', onReset: 'reset' }).join(' ');
    expect(a).toContain('-device i6300esb -action watchdog=reset');
    expect(a).not.toContain('-no-reboot');
    // With -no-reboot QEMU turns the watchdog's reset into its own exit.
    expect(qemuArgs({ ...spec, watchdog: 'i6300esb' })).toContain('-no-reboot');
    expect(qemuArgs({ ...spec, qmpSocket: '/tmp/x/q.sock' }).join(' ')).toContain(
      '-qmp unix:/tmp/x/q.sock,server=on,wait=off',
    );
  });
});

describe('network boot', () => {
  it("PXE: the first NIC (a lab tap, where the boot server is) boots first; the others don't", () => {
    const a = qemuArgs({
      name: 'pxe',
      boot: { kind: 'network' },
      nics: [
        { mac: '52:54:00:00:00:00', tap: 'tap0' },
        { mac: '52:54:00:00:00:01', tap: 'tap1' },
      ],
    }).join(' ');
    expect(a).toContain('-device virtio-net-pci,netdev=net0,mac=52:54:00:00:00:00,bootindex=0');
    expect(a).toMatch(/-device virtio-net-pci,netdev=net1,mac=52:54:00:00:00:01$/);
    expect(a).not.toContain('-kernel');
    expect(() => qemuArgs({ name: 'pxe', boot: { kind: 'network' } })).toThrow(/network boot needs a NIC/);
    const fw = qemuArgs({
      name: 'pxe',
      boot: { kind: 'network', noNicRom: true },
      nics: [{ mac: '52:54:00:00:00:00' }, { mac: '52:54:00:00:00:01' }],
    }).join(' ');
    expect(fw).toContain('mac=52:54:00:00:00:00,bootindex=0,romfile= ');
    expect(fw).toMatch(/mac=52:54:00:00:00:01,romfile=$/);
  });
});

describe('heartbeat pair wiring', () => {
  it('the second serial port is a null-modem cable between the two VMs; the first stays the console', () => {
    const a = qemuArgs({ ...spec, serialLink: { socket: '/tmp/x/serial.sock', listen: true } }).join(' ');
    const b = qemuArgs({ ...spec, serialLink: { socket: '/tmp/x/serial.sock', listen: false } }).join(' ');
    expect(a).toMatch(
      /-serial stdio .*-chardev socket,id=serial1,path=\/tmp\/x\/serial.sock,server=on,wait=off -serial chardev:serial1/,
    );
    expect(b).toContain('-chardev socket,id=serial1,path=/tmp/x/serial.sock,reconnect=1 -serial chardev:serial1');
    expect(a.indexOf('-serial stdio')).toBeLessThan(a.indexOf('-serial chardev:serial1'));
  });
  it('a local disk shows up under /dev/disk/by-id/virtio-<serial>', () => {
    expect(qemuArgs({ ...spec, disks: [{ image: '/tmp/x/ha1.drbd.img', serial: 'drbd0' }] }).join(' ')).toContain(
      '-drive if=none,id=disk0,format=raw,file=/tmp/x/ha1.drbd.img -device virtio-blk-pci,drive=disk0,serial=drbd0',
    );
  });
});

describe('monitor output', () => {
  it('drops the character-by-character echo, control sequences and the prompt', () => {
    const raw = ' i\x1b[K\x1b[Din\x1b[K\x1b[D\x1b[Dinfo status\x1b[K\r\nVM status: running\r\n(qemu) ';
    expect(cleanMonitorOutput(raw, 'info status')).toBe('VM status: running');
    expect(cleanMonitorOutput('set_link net0 off\r\n(qemu) ', 'set_link net0 off')).toBe('');
    expect(
      cleanMonitorOutput("set_link net9 off\r\nError: Device 'net9' not found\r\n(qemu) ", 'set_link net9 off'),
    ).toBe("Error: Device 'net9' not found");
  });
});
