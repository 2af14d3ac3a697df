/**
 * The heartbeat pair in its lab: segments lan (client, power controller), internal and sync (DRBD
 * replication); two appliances with a config stick each, a virtio disk each (the DRBD backing
 * disk, created in the lab directory and deleted with it) and their second serial ports wired
 * back to back (heartbeat's serial medium; the first port stays the console and test channel);
 * the lab's power controller on lan as the STONITH device. Resolves once both nodes are ready and
 * one holds the records group.
 */
import { open, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type LabHost, type LabOptions, type LabVm } from '../vm/lab.js';
import { LAB_ADDRESSES, labNodeName, type Timers } from './lab-config.js';
import { BOOT_TIMEOUT_MS, labBoot, READY_LINE, writeLabStick } from './drill.js';
import { DRBD_DISK_SERIAL, heartbeatLabConfig, LAB_POWER } from './heartbeat-config.js';
import { guestExec } from '../vm/guest.js';

/** Size of each lab DRBD disk (sparse). */
export const LAB_DISK_MIB = 128;
/** The console line of the node that took the records group. */
export const ACQUIRED_LINE = /pillars: heartbeat group records ACQUIRED/;
/** First start: DRBD metadata, the initial sync of a new pair and mkfs before heartbeat takes the group. */
export const ACQUIRE_TIMEOUT_MS = 300_000;
/** heartbeat's last lines per node that a failed start reports. */
const WHY_LINES = 15;

/** The compiled power controller: next to this module in dist/, or dist/ of the checkout when run from source (tests). */
function powerMain(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, '..', 'vm', 'power-main.js');
  return existsSync(sibling) ? sibling : join(here, '..', '..', 'dist', 'builder', 'vm', 'power-main.js');
}

export interface HeartbeatLabOptions extends LabOptions {
  imageDir: string;
  timers?: Timers;
  autoFailback?: boolean;
  memoryMiB?: number;
}

export interface HeartbeatLab {
  lab: Lab;
  nodes: LabVm[];
  client: LabHost;
  /** The pair's heartbeat timers. */
  timers: Timers;
  /** Boot a powered-off node again (its power outlet follows the new QEMU). */
  restart(vm: LabVm): Promise<void>;
  dispose(): Promise<void>;
}

function pidFile(lab: Lab, vm: LabVm): string {
  return join(lab.dir, `${vm.name}.qemu.pid`);
}

async function sparseFile(path: string, mib: number): Promise<void> {
  const f = await open(path, 'wx');
  try {
    await f.truncate(mib * 1024 * 1024);
  } finally {
    await f.close();
  }
}

export async function startHeartbeatLab(o: HeartbeatLabOptions): Promise<HeartbeatLab> {
  const text = heartbeatLabConfig({ timers: o.timers ?? 'fast', autoFailback: o.autoFailback ?? false });
  let lab: Lab | undefined;
  const dispose = async () => {
    await lab?.dispose();
  };
  try {
    lab = await Lab.create(
      {
        segments: [{ name: 'lan' }, { name: 'internal' }, { name: 'sync', cidr: null }],
        hosts: [
          { name: 'client', nics: [{ segment: 'lan' }] },
          { name: LAB_POWER.host, nics: [{ segment: 'lan', address: LAB_POWER.address }] },
        ],
      },
      o,
    );
    // The sticks and the DRBD disks live in the lab's directory: its dispose, also the one a
    // signal runs, removes them.
    const sticks = [0, 1].map((i) => join(lab!.dir, `${labNodeName(i)}.img`));
    for (const s of sticks) await writeLabStick(s, 'heartbeat', text);
    const serial = join(lab.dir, 'serial1.sock');
    const nodes: LabVm[] = [];
    for (const i of [0, 1]) {
      const disk = join(lab.dir, `${labNodeName(i)}.drbd.img`);
      await sparseFile(disk, LAB_DISK_MIB);
      nodes.push(
        await lab.startVm({
          name: labNodeName(i),
          index: i,
          boot: labBoot(o.imageDir),
          // The heartbeat image carries perl, python3 and DRBD: its initramfs unpacks to more than 512 MiB leaves.
          memoryMiB: o.memoryMiB ?? 1024,
          sticks: [{ image: sticks[i]!, as: 'usb' }],
          nics: [{ segment: 'lan' }, { segment: 'internal' }, { segment: 'sync' }],
          serialLink: { socket: serial, listen: i === 0 },
          disks: [{ image: disk, serial: DRBD_DISK_SERIAL }],
        }),
      );
    }
    // The outlets read pid files, so a VM booted again (restart) is still the one its outlet powers.
    for (const n of nodes) await writeFile(pidFile(lab, n), `${n.pid}\n`);
    const power = lab
      .host(LAB_POWER.host)
      .spawn(process.execPath, [
        powerMain(),
        '--listen',
        `${LAB_POWER.address}:${LAB_POWER.port}`,
        ...nodes.map((n, i) => `${n.name}=${pidFile(lab!, n)}@${LAB_ADDRESSES.lanNode(i)}`),
      ]);
    await power.output.waitFor(/power controller: listening/, 10_000);
    await Promise.all(nodes.map((n) => n.waitFor(READY_LINE, BOOT_TIMEOUT_MS)));
    await Promise.race(nodes.map((n) => n.waitFor(ACQUIRED_LINE, ACQUIRE_TIMEOUT_MS))).catch(async (e: unknown) => {
      // Say why: heartbeat's own last words and DRBD's state on each node.
      const why: string[] = [];
      for (const n of nodes) {
        const r = await guestExec(
          n.vm,
          `cat /proc/drbd; pillarsctl logs heartbeat | tail -n ${WHY_LINES}`,
          30_000,
        ).catch((x: unknown) => ({ output: `(no answer: ${x instanceof Error ? x.message : String(x)})` }));
        why.push(`--- ${n.name}\n${r.output.trimEnd()}`);
      }
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${why.join('\n')}`);
    });
    const l = lab;
    return {
      lab,
      nodes,
      client: lab.host('client'),
      timers: o.timers ?? 'fast',
      dispose,
      async restart(vm: LabVm) {
        await vm.restart();
        await writeFile(pidFile(l, vm), `${vm.pid}\n`);
      },
    };
  } catch (e) {
    await dispose().catch(() => {});
    throw e;
  }
}
