/**
 * QEMU for tests, labs and drills: a pure argument planner and a small VM handle that reads the
 * serial console line by line (with timestamps) and talks to the QEMU monitor. Software emulation
 * (TCG) only: KVM is not assumed.
 */
import { createConnection, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { appendFileSync } from 'node:fs';
import { spawnDaemon, type Daemon } from '../exec.js';

export const OVMF_FIRMWARE = '/usr/share/ovmf/OVMF.fd';

export type BootMedium =
  | { kind: 'kernel'; kernel: string; initrd: string; append: string }
  | { kind: 'cdrom'; iso: string }
  | { kind: 'usb-disk'; image: string }
  /**
   * Network boot as a PXE client: the firmware boots from the first NIC (a lab tap), whose DHCP
   * and TFTP come from a boot server on the lab network (the network boot test runs dnsmasq there).
   */
  | {
      kind: 'network';
      /**
       * Without the NICs' option ROMs (QEMU's are iPXE): then OVMF's own virtio-net driver and PXE
       * client boot, as the firmware of most UEFI machines does. SeaBIOS cannot netboot without one.
       */
      noNicRom?: boolean;
    };

export interface StickDrive {
  image: string;
  as: 'usb' | 'floppy';
}

export interface NicSpec {
  mac: string;
  /** A tap device (created by the lab) or undefined for a NIC with no link partner. */
  tap?: string;
  model?: string;
}

export interface VmSpec {
  name: string;
  boot: BootMedium;
  firmware?: 'bios' | 'uefi';
  memoryMiB?: number;
  cpus?: number;
  sticks?: readonly StickDrive[];
  nics?: readonly NicSpec[];
  /** Unix socket path for the QEMU monitor (HMP). */
  monitorSocket?: string;
  /** Unix socket path for QMP, whose events (WATCHDOG, RESET…) `Vm.watchEvents` records. */
  qmpSocket?: string;
  /** Run QEMU inside this network namespace (`ip netns exec`), where the lab's taps live. */
  netns?: string;
  /** Append every console line, prefixed with seconds since start, to this file. */
  consoleLog?: string;
  /**
   * The second serial port (ttyS1; the first stays the console) wired to the other VM's: a unix
   * socket one VM listens on and the other connects to (reconnecting), a null-modem cable.
   */
  serialLink?: { socket: string; listen: boolean };
  /** Local disks (virtio-blk); `serial` names them under /dev/disk/by-id/virtio-<serial>. */
  disks?: readonly { image: string; serial: string }[];
  /**
   * A hardware watchdog: Intel's 6300ESB (PCI; Linux's i6300esb driver), which resets the machine
   * when the guest stops feeding it (`-action watchdog=reset`).
   */
  watchdog?: 'i6300esb';
  /**
   * What a reset does: `exit` (default, `-no-reboot`) ends QEMU, so a guest reboot, a panic or a
   * watchdog reset ends the VM; `reset` boots the machine again on the same console.
   */
  onReset?: 'exit' | 'reset';
}

/** The QEMU netdev id of NIC number `index` (what `set_link` takes). */
export function netdevId(index: number): string {
  return `net${index}`;
}

/** The command and arguments that start the VM (inside its namespace when it has one). Pure. */
export function qemuCommand(spec: VmSpec, qemu = 'qemu-system-x86_64'): { cmd: string; args: string[] } {
  // `ip netns exec` execs QEMU after entering the namespace, so the PID stays QEMU's own.
  return spec.netns
    ? { cmd: 'ip', args: ['netns', 'exec', spec.netns, qemu, ...qemuArgs(spec)] }
    : { cmd: qemu, args: qemuArgs(spec) };
}

/** The qemu-system-x86_64 argument list for a VM. Pure. */
export function qemuArgs(spec: VmSpec): string[] {
  const args = [
    '-name',
    spec.name,
    '-accel',
    'tcg',
    '-machine',
    'q35',
    // QEMU's default CPU model plus RDRAND, which every x86 server CPU of the last decade has: the
    // kernel seeds its random pool from it at once, as on the hardware. Without it the first
    // program that asks for random bytes (Node, at its start) waited about 1 s for the kernel to
    // gather entropy under emulation.
    '-cpu',
    'qemu64,+rdrand',
    '-m',
    String(spec.memoryMiB ?? 512),
    '-smp',
    String(spec.cpus ?? 1),
  ];
  args.push('-display', 'none', '-serial', 'stdio');
  if ((spec.onReset ?? 'exit') === 'exit') args.push('-no-reboot');
  if (spec.watchdog) args.push('-device', spec.watchdog, '-action', 'watchdog=reset');
  if (spec.serialLink) {
    const l = spec.serialLink;
    args.push(
      '-chardev',
      l.listen
        ? `socket,id=serial1,path=${l.socket},server=on,wait=off`
        : `socket,id=serial1,path=${l.socket},reconnect=1`,
      '-serial',
      'chardev:serial1',
    );
  }
  args.push('-monitor', spec.monitorSocket ? `unix:${spec.monitorSocket},server,nowait` : 'none');
  if (spec.qmpSocket) args.push('-qmp', `unix:${spec.qmpSocket},server=on,wait=off`);
  if (spec.firmware === 'uefi') args.push('-bios', OVMF_FIRMWARE);
  const needsXhci = spec.boot.kind === 'usb-disk' || (spec.sticks ?? []).some((s) => s.as === 'usb');
  if (needsXhci) args.push('-device', 'qemu-xhci,id=xhci');
  switch (spec.boot.kind) {
    case 'kernel':
      args.push('-kernel', spec.boot.kernel, '-initrd', spec.boot.initrd, '-append', spec.boot.append);
      break;
    case 'cdrom':
      args.push(
        '-drive',
        `if=none,id=cd0,format=raw,media=cdrom,readonly=on,file=${spec.boot.iso}`,
        '-device',
        'ide-cd,drive=cd0,bootindex=0',
      );
      break;
    case 'usb-disk':
      args.push(
        '-drive',
        `if=none,id=usbboot,format=raw,readonly=on,file=${spec.boot.image}`,
        '-device',
        'usb-storage,bus=xhci.0,drive=usbboot,bootindex=0',
      );
      break;
    case 'network':
      if (!spec.nics?.length) throw new Error(`${spec.name}: network boot needs a NIC`);
      break;
  }
  (spec.sticks ?? []).forEach((s, i) => {
    if (s.as === 'floppy') args.push('-drive', `if=floppy,index=${i},format=raw,file=${s.image}`);
    else
      args.push(
        '-drive',
        `if=none,id=stick${i},format=raw,file=${s.image}`,
        '-device',
        `usb-storage,bus=xhci.0,drive=stick${i},removable=on`,
      );
  });
  (spec.disks ?? []).forEach((d, i) => {
    args.push(
      '-drive',
      `if=none,id=disk${i},format=raw,file=${d.image}`,
      '-device',
      `virtio-blk-pci,drive=disk${i},serial=${d.serial}`,
    );
  });
  if (!spec.nics || spec.nics.length === 0) args.push('-nic', 'none');
  // Network boot: the first NIC boots, and with noNicRom no NIC may bring its ROM (OVMF loads
  // iPXE's driver from any of them, and it takes over all).
  const net = spec.boot.kind === 'network' ? spec.boot : undefined;
  (spec.nics ?? []).forEach((n, i) => {
    const model = n.model ?? 'virtio-net-pci';
    if (n.tap) args.push('-netdev', `tap,id=${netdevId(i)},ifname=${n.tap},script=no,downscript=no`);
    else args.push('-netdev', `user,id=${netdevId(i)},restrict=on`);
    const boot = (i === 0 && net ? ',bootindex=0' : '') + (net?.noNicRom ? ',romfile=' : '');
    args.push('-device', `${model},netdev=${netdevId(i)},mac=${n.mac}${boot}`);
  });
  return args;
}

/** Strip the readline echo of `command`, control sequences and prompts from HMP output. Pure. */
export function cleanMonitorOutput(raw: string, command: string): string {
  // eslint-disable-next-line no-control-regex -- ESC starts the control sequences being removed
  const text = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const lines = text.split('\n').map((l) => l.replace(/\(qemu\).*$/, ''));
  // The first line is the echo (typed character by character, so it ends in the full command).
  if (lines[0] !== undefined && (lines[0].endsWith(command) || command.startsWith(lines[0].trim()))) lines.shift();
  return lines.join('\n').trim();
}

/** A QMP event as QEMU sent it, with the time it arrived (ms since the VM was started). */
export interface QmpEvent {
  t: number;
  event: string;
  data?: Record<string, unknown>;
}

export interface ConsoleLine {
  /** ms since the VM was started */
  t: number;
  text: string;
}

export class Vm {
  readonly lines: ConsoleLine[] = [];
  /** QMP events since `watchEvents()`. */
  readonly events: QmpEvent[] = [];
  private qmp: Socket | undefined;
  private readonly started = performance.now();
  /** Epoch ms (sub-ms precision) when QEMU was started: console line `t` values count from here. */
  readonly startedAt = performance.timeOrigin + this.started;
  private partial = '';
  private waiters: Array<{ re: RegExp; from: number; resolve: (l: ConsoleLine) => void }> = [];

  private constructor(
    readonly spec: VmSpec,
    readonly proc: Daemon,
  ) {
    if (spec.consoleLog) {
      try {
        appendFileSync(
          spec.consoleLog,
          `# ${spec.name}: QEMU pid ${proc.pid} started ${new Date(this.startedAt).toISOString()}\n`,
        );
      } catch {
        /* see feed() */
      }
    }
    // One decoder per stream: a UTF-8 character split across two reads must not turn into U+FFFD.
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    proc.child.stdout?.on('data', (d: Buffer) => this.feed(out.write(d)));
    proc.child.stderr?.on('data', (d: Buffer) => this.feed(err.write(d)));
  }

  static start(spec: VmSpec, qemu = 'qemu-system-x86_64'): Vm {
    const { cmd, args } = qemuCommand(spec, qemu);
    return new Vm(spec, spawnDaemon(cmd, args));
  }

  get pid(): number {
    return this.proc.pid;
  }

  private feed(text: string): void {
    // Strip terminal control sequences that firmware and GRUB print.
    // eslint-disable-next-line no-control-regex -- ESC starts the control sequences being removed
    const clean = (this.partial + text).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
    const parts = clean.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) {
      if (!p.trim()) continue;
      const line = { t: performance.now() - this.started, text: p };
      this.lines.push(line);
      if (this.spec.consoleLog) {
        try {
          appendFileSync(this.spec.consoleLog, `[${(line.t / 1000).toFixed(3).padStart(9)}] ${line.text}\n`);
        } catch {
          /* the log is a convenience; never let it break the console reader */
        }
      }
      this.waiters = this.waiters.filter((w) => {
        if (w.re.test(line.text)) {
          w.resolve(line);
          return false;
        }
        return true;
      });
    }
  }

  /** Wait for a console line matching `re` (also one already seen since line index `from`). */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<ConsoleLine> {
    const seen = this.lines.slice(from).find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `${this.spec.name}: no console line matching ${re} within ${timeoutMs / 1000}s; last lines:\n${this.tail(15)}`,
          ),
        );
      }, timeoutMs);
      const done = (l: ConsoleLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ re, from, resolve: done });
      void this.proc.exited.then((code) => {
        if (this.waiters.some((w) => w.resolve === done)) {
          clearTimeout(timer);
          reject(
            new Error(
              `${this.spec.name}: QEMU exited (${code}) before a line matching ${re}; last lines:\n${this.tail(15)}`,
            ),
          );
        }
      });
    });
  }

  tail(n: number): string {
    return this.lines
      .slice(-n)
      .map((l) => `  [${(l.t / 1000).toFixed(1)}s] ${l.text}`)
      .join('\n');
  }

  /**
   * Send one HMP command to the monitor socket; resolves with its output (the echo of the
   * command, terminal control sequences and prompts removed). The command is sent exactly once,
   * after the first prompt; the answer ends at the next prompt or after `timeoutMs`.
   */
  async monitor(command: string, timeoutMs = 5000): Promise<string> {
    const path = this.spec.monitorSocket;
    if (!path) throw new Error(`${this.spec.name}: no monitor socket`);
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      let raw = '';
      let sentAt = -1;
      const finish = () => {
        clearTimeout(timer);
        sock.destroy();
        resolve(cleanMonitorOutput(sentAt < 0 ? '' : raw.slice(sentAt), command));
      };
      const timer = setTimeout(finish, timeoutMs);
      sock.on('data', (d) => {
        raw += d.toString();
        if (sentAt < 0) {
          if (raw.includes('(qemu)')) {
            sentAt = raw.length;
            sock.write(`${command}\n`);
          }
        } else if (raw.slice(sentAt).includes('(qemu)')) finish();
      });
      sock.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Link down/up of NIC `index` as the guest sees it (carrier loss), via the monitor. */
  async setLink(index: number, up: boolean): Promise<void> {
    const out = await this.monitor(`set_link ${netdevId(index)} ${up ? 'on' : 'off'}`);
    if (/not found|error/i.test(out))
      throw new Error(`${this.spec.name}: set_link ${netdevId(index)} failed: ${out.trim()}`);
  }

  /** Press the ACPI power button (a graceful shutdown request). */
  async powerdown(): Promise<void> {
    await this.monitor('system_powerdown');
  }

  /** Is the QEMU process still running? */
  get alive(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** Power loss: SIGKILL the QEMU process. */
  kill(): void {
    this.proc.kill('SIGKILL');
  }

  /**
   * Record QMP events (`spec.qmpSocket`): connect (QEMU makes the socket shortly after it
   * starts; bounded retries), leave the capabilities negotiation, then append each event to
   * `events` as it arrives.
   */
  async watchEvents(timeoutMs = 10_000): Promise<void> {
    const path = this.spec.qmpSocket;
    if (!path) throw new Error(`${this.spec.name}: no QMP socket`);
    const end = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      try {
        this.qmp = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path, () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (Date.now() > end || i > 1000)
          throw new Error(`${this.spec.name}: QMP socket ${path}: ${String(err)}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const sock = this.qmp;
    let buf = '';
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const p of parts) {
        let msg: { QMP?: unknown; event?: string; data?: Record<string, unknown> };
        try {
          msg = JSON.parse(p) as typeof msg;
        } catch {
          continue;
        }
        if (msg.QMP) sock.write('{"execute":"qmp_capabilities"}\n');
        else if (msg.event)
          this.events.push({
            t: performance.now() - this.started,
            event: msg.event,
            ...(msg.data ? { data: msg.data } : {}),
          });
      }
    });
  }

  /** Wait for a QMP event named `event` (also one already recorded since index `from`). */
  async waitForEvent(event: string, timeoutMs: number, from = 0): Promise<QmpEvent> {
    const end = Date.now() + timeoutMs;
    for (let i = 0; i < 1_000_000; i++) {
      const e = this.events.slice(from).find((x) => x.event === event);
      if (e) return e;
      if (Date.now() > end || !this.alive) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `${this.spec.name}: no QMP event ${event} within ${timeoutMs / 1000}s; last lines:\n${this.tail(15)}`,
    );
  }

  async stop(): Promise<void> {
    this.qmp?.destroy();
    this.proc.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.proc.exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}
