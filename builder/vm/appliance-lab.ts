/**
 * The standard topology for trying and drilling the appliance: segments lan (client side,
 * 192.0.2.0/24), internal (backends, 198.51.100.0/24) and a dedicated sync link (no addresses
 * on the host side); N appliances with one NIC on each, in that order (eth0 lan, eth1 internal,
 * eth2 sync; MACs 52:54:00:00:<node>:<nic>); a client on lan and K backends on internal, each
 * running the HTTP server that answers with its name.
 */
import { Lab, type LabHost, type LabOptions, type LabVm } from './lab.js';
import type { HostSpec } from './plan.js';
import type { BootMedium, StickDrive } from './qemu.js';

export interface ApplianceLabOptions extends LabOptions {
  /** Appliances to boot (default 2). */
  nodes?: number;
  /** Backends on the internal segment (default 3). */
  backends?: number;
  /** How node `i` (0-based) boots: kernel + initrd, ISO… */
  boot: (node: number) => BootMedium;
  /** The config sticks of node `i`. */
  sticks?: (node: number) => readonly StickDrive[];
  memoryMiB?: number;
  /** Default route of the backends (the director's internal address or VIP, for LVS-NAT). */
  backendGateway?: string;
  /** HTTP port of the backends (default 80). */
  httpPort?: number;
  /** More hosts (a sorry server, an SMTP sink, DR backends on lan…); nothing is started on them. */
  extraHosts?: readonly HostSpec[];
  /** HTTP ports every backend serves (default [httpPort]); each server answers with the backend's name. */
  httpPorts?: readonly number[];
  /** Runs once the hosts are up and before any appliance boots (servers on extra hosts…). */
  beforeBoot?: (lab: Lab) => Promise<void>;
  /** Give every appliance QEMU's i6300ESB watchdog, its reset rebooting the VM (not ending QEMU). */
  watchdog?: boolean;
}

export interface ApplianceLab {
  lab: Lab;
  nodes: LabVm[];
  client: LabHost;
  backends: LabHost[];
}

export const NODE_NAMES = (i: number): string => `node${i + 1}`;

export async function startApplianceLab(o: ApplianceLabOptions): Promise<ApplianceLab> {
  const nodeCount = o.nodes ?? 2;
  const backendCount = o.backends ?? 3;
  if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 8) throw new Error('nodes must be 0..8');
  if (!Number.isInteger(backendCount) || backendCount < 0 || backendCount > 16)
    throw new Error('backends must be 0..16');
  const lab = await Lab.create(
    {
      segments: [{ name: 'lan' }, { name: 'internal' }, { name: 'sync', cidr: null }],
      hosts: [
        { name: 'client', nics: [{ segment: 'lan' }] },
        ...Array.from({ length: backendCount }, (_, i) => ({
          name: `web${i + 1}`,
          nics: [{ segment: 'internal' }],
          ...(o.backendGateway ? { gateway: o.backendGateway } : {}),
        })),
        ...(o.extraHosts ?? []),
      ],
    },
    o,
  );
  try {
    const backends = Array.from({ length: backendCount }, (_, i) => lab.host(`web${i + 1}`));
    const ports = o.httpPorts ?? [o.httpPort ?? 80];
    await Promise.all(backends.flatMap((b) => ports.map((port) => b.startHttpServer({ port }))));
    await o.beforeBoot?.(lab);
    const nodes: LabVm[] = [];
    for (let i = 0; i < nodeCount; i++) {
      nodes.push(
        await lab.startVm({
          name: NODE_NAMES(i),
          index: i,
          boot: o.boot(i),
          sticks: o.sticks?.(i),
          memoryMiB: o.memoryMiB,
          nics: [{ segment: 'lan' }, { segment: 'internal' }, { segment: 'sync' }],
          ...(o.watchdog ? { watchdog: 'i6300esb' as const, onReset: 'reset' as const } : {}),
        }),
      );
    }
    return { lab, nodes, client: lab.host('client'), backends };
  } catch (e) {
    await lab.dispose().catch(() => {});
    throw e;
  }
}
