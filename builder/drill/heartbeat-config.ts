/**
 * The stick config of the heartbeat lab pair: the lab's NICs (eth0 lan, eth1 internal, eth2 sync
 * with the fixed MACs), heartbeat over ucast on lan plus the null-modem cable on ttyS1, DRBD on
 * the sync link with each VM's virtio disk (/dev/disk/by-id/virtio-drbd0), the resource group
 * VIP + drbddisk + Filesystem + pillars-records (the record service the drill writes through),
 * and the lab's power controller as STONITH device. Timers: the documented fast ones (keepalive
 * 150 ms, deadtime 600 ms), the model's classic defaults (2 s, 30 s) or heartbeat's own (1 s, 30 s). Pure: returns the YAML text.
 */
import { vmMac } from '../vm/plan.js';
import { LAB_ADDRESSES, labNodeName, type Timers } from './lab-config.js';

/** The lab's fence device: the power controller on the lan segment. */
export const LAB_POWER = { host: 'power', address: '192.0.2.250', port: 8090 } as const;
/** The record service the client writes through, on the group's VIP. */
export const RECORDS_PORT = 80;
/** Serial of the lab VMs' DRBD disk: /dev/disk/by-id/virtio-<serial>. */
export const DRBD_DISK_SERIAL = 'drbd0';

export const HEARTBEAT_TIMERS: Readonly<
  Record<Timers, { keepalive: number; warntime: number; deadtime: number; initdead: number }>
> = {
  // fast: the backup declares the peer dead after 600 ms of silence (4 missed keepalives). In a
  // 10-minute idle run of the lab pair under emulation no heartbeat came later than 400 ms.
  fast: { keepalive: 150, warntime: 400, deadtime: 600, initdead: 30000 },
  // the model's defaults, heartbeat's classic ha.cf values: 2 s keepalive, 30 s deadtime.
  default: { keepalive: 2000, warntime: 10000, deadtime: 30000, initdead: 120000 },
  // heartbeat 3.0.6's built-in defaults (config.c: keepalive 1000ms, deadtime 30000ms), the baseline.
  stock: { keepalive: 1000, warntime: 10000, deadtime: 30000, initdead: 120000 },
};

export interface HeartbeatLabConfigOptions {
  timers?: Timers;
  autoFailback?: boolean;
}

export function heartbeatLabConfig(o: HeartbeatLabConfigOptions = {}): string {
  const t = HEARTBEAT_TIMERS[o.timers ?? 'fast'];
  const lines = [
    '# Generated for the pillars heartbeat lab (see builder/drill/heartbeat-config.ts).',
    'version: 1',
    'profile: heartbeat',
    'nodes:',
  ];
  for (const i of [0, 1]) {
    lines.push(
      `  ${labNodeName(i)}:`,
      `    hostname: ${labNodeName(i)}`,
      '    interfaces:',
      `      lan: { mac: "${vmMac(i, 0)}", addresses: [${LAB_ADDRESSES.lanNode(i)}/24] }`,
      `      internal: { mac: "${vmMac(i, 1)}", addresses: [${LAB_ADDRESSES.internalNode(i)}/24] }`,
      `      sync: { mac: "${vmMac(i, 2)}", addresses: [${LAB_ADDRESSES.syncNode(i)}/24] }`,
    );
  }
  lines.push(
    'heartbeat:',
    `  keepalive: ${t.keepalive}`,
    `  warntime: ${t.warntime}`,
    `  deadtime: ${t.deadtime}`,
    `  initdead: ${t.initdead}`,
    '  links:',
    '    - { type: ucast, interface: lan }',
    '    - { type: serial, device: /dev/ttyS1, baud: 115200 }',
    `  auto_failback: ${o.autoFailback ?? false}`,
    '  groups:',
    '    - name: records',
    `      node: ${labNodeName(0)}`,
    `      addresses: [{ address: ${LAB_ADDRESSES.lanVip}/24, interface: lan }]`,
    '      drbd: true',
    '      filesystem: { mountpoint: /srv/data, fstype: ext4 }',
    `      services: ["pillars-records::${LAB_ADDRESSES.lanVip}:${RECORDS_PORT}::/srv/data"]`,
    '  authkeys: { method: sha1, key: pillars-lab-heartbeat }',
    'drbd:',
    `  disk: /dev/disk/by-id/virtio-${DRBD_DISK_SERIAL}`,
    '  interface: sync',
    '  protocol: C',
    '  sync_rate: 100M',
    'fencing:',
    '  devices:',
    `    - { type: lab, address: "${LAB_POWER.address}:${LAB_POWER.port}", nodes: [${labNodeName(0)}, ${labNodeName(1)}] }`,
    'admin:',
    '  status_page: { listen: "0.0.0.0:8080" }',
    '',
  );
  return lines.join('\n');
}

/** The heartbeat lab's timers in words. Pure. */
export function heartbeatTimersLabel(timers: Timers): string {
  const t = HEARTBEAT_TIMERS[timers];
  const s = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
  const who = timers === 'stock' ? 'stock heartbeat' : timers === 'fast' ? 'pillars fast' : 'pillars default';
  return `${who} (keepalive ${s(t.keepalive)}, deadtime ${s(t.deadtime)})`;
}
