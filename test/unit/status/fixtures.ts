/**
 * A director node's snapshot as the status modules see it: two VRRP instances, a pool with one DOWN
 * real server, both IPVS sync daemons; lb1 scheduled its connections itself, lb2 learnt them from lb1.
 */
import { addMissingDown, buildPool, checkStates } from '../../../overlay/pillarsctl/ipvs.js';
import { buildSnapshot, type NodeSnapshot, type StatusJsonLike } from '../../../overlay/status/snapshot.js';
import { createTimeline } from '../../../overlay/status/timeline.js';
import type { IpvsSyncDaemon } from '../../../overlay/status/ipvs-sync.js';
import type { ConntrackdSync } from '../../../overlay/status/conntrackd-stats.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.10:80 rr
  -> 198.51.100.100:80            Masq    1      2          7
  -> 198.51.100.101:80            Masq    1      0          6
FWM  7 wlc persistent 300
  -> [2001:db8::5]:443            Route   3      1          0
`;

export const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  192.0.2.10:80                      30      180      150    12000    90000
  -> 198.51.100.100:80                  16       96       80     6400    48000
  -> 198.51.100.101:80                  14       84       70     5600    42000
FWM  7                                   1        5        0      300        0
  -> [2001:db8::5]:443                   1        5        0      300        0
`;

export const SYNC_DAEMONS: IpvsSyncDaemon[] = [
  { role: 'master', interface: 'sync', syncid: 51, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
  { role: 'backup', interface: 'sync', syncid: 51, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
];

export function statusJson(node = 'lb1', gen = 4, sha = 'ab'.repeat(32)): StatusJsonLike {
  return {
    supervisor: { uptime: 321.5 },
    config: {
      state: 'configured',
      node,
      roles: ['network', 'vrrp', 'director'],
      source: { generation: gen, checksum: sha, device: '/dev/sda', provider: 'usb-sata' },
    },
    services: [
      { name: 'network', state: 'done', since: T0, restarts: 0 },
      { name: 'ipvs-sync', state: 'done', since: T0 + 500, restarts: 0 },
      {
        name: 'keepalived',
        state: 'ready',
        since: T0 + 1000,
        restarts: 2,
        pid: 412,
        info: {
          'vrrp.VI_LAN': { value: 'MASTER', since: T0 + 5000 },
          'vrrp.VI_LAN.priority': { value: 150, since: T0 + 5000 },
          'vrrp.VI_INT': { value: 'MASTER', since: T0 + 5000 },
          'vrrp-group.VG_LAB': { value: 'MASTER', since: T0 + 5000 },
          'lvs.192.0.2.10:80/tcp.198.51.100.100:80/tcp': { value: 'UP', since: T0 + 6000 },
          'lvs.192.0.2.10:80/tcp.198.51.100.101:80/tcp': { value: 'UP', since: T0 + 6000 },
          'lvs.192.0.2.10:80/tcp.198.51.100.102:80/tcp': { value: 'DOWN', since: T0 + 9000 },
        },
      },
    ],
    at: T0 + 65_000,
  };
}

export function directorSnapshot(node = 'lb1'): NodeSnapshot {
  const st = statusJson(node);
  const tl = createTimeline();
  tl.observe('vrrp', 'VI_LAN', 'BACKUP', T0 + 2000);
  tl.observe('vrrp', 'VI_LAN', 'MASTER', T0 + 5000);
  tl.observe('vrrp', 'VI_INT', 'BACKUP', T0 + 2000);
  tl.observe('vrrp', 'VI_INT', 'MASTER', T0 + 5000);
  tl.observe('vrrp-group', 'VG_LAB', 'MASTER', T0 + 5000);
  const info: Record<string, { value: unknown }> = {};
  for (const s of st.services ?? []) Object.assign(info, s.info ?? {});
  const checks = checkStates(info);
  const pool = addMissingDown(buildPool(LIST, STATS, checks), checks);
  return buildSnapshot(st, {
    timeline: { transitions: tl.transitions(), instances: tl.instances() },
    bootToReadySeconds: 21.47,
    pool: { pool },
    ipvsSync: { daemons: SYNC_DAEMONS, connections: { entries: 16, synced: node === 'lb1' ? 0 : 16 } },
  });
}

/**
 * conntrackd's counters as parseConntrackdStats reads them from the recorded outputs in
 * test/fixtures/conntrackd: node2 of an FTFW pair over multicast (3 send errors while the link
 * was down, 11 messages lost, 14 states learnt from node1) and node2 of an ALARM pair over UDP.
 */
export const FTFW_NODE2_NETWORK: ConntrackdSync = {
  link: { kind: 'multicast', device: 'sync' },
  sent: 12,
  received: 19,
  sentBytes: 200,
  receivedBytes: 1344,
  sendErrors: 3,
  receiveErrors: 0,
  malformed: 0,
  errors: 3,
  lost: 11,
};
export const FTFW_NODE2_SYNC: ConntrackdSync = {
  ...FTFW_NODE2_NETWORK,
  peerStates: { created: 14, updated: 0, destroyed: 0, failed: 0 },
};
export const ALARM_UDP_NODE2_NETWORK: ConntrackdSync = {
  link: { kind: 'UDP', device: 'sync' },
  sent: 0,
  received: 7,
  sentBytes: 0,
  receivedBytes: 588,
  sendErrors: 0,
  receiveErrors: 0,
  malformed: 0,
  errors: 0,
  lost: 0,
};
