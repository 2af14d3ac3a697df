/**
 * The pair's state sync in `pillarsctl status`: the IPVS connection sync of a director (the
 * kernel's sync daemons, the connection table) and conntrackd's sync counters of a firewall. Pure;
 * the readers are in status/sync-readers.ts.
 */
import { formatConntrackdSync, type ConntrackdSync } from '../status/conntrackd-stats.js';
import { formatIpvsSync, type IpvsSyncStatus } from '../status/ipvs-sync.js';

export function ipvsSyncSection(s: IpvsSyncStatus): string[] {
  return ['', 'IPVS connection sync (ipvsadm -L --daemon; /proc/net/ip_vs_conn_sync)', `  ${formatIpvsSync(s)}`];
}

export function conntrackdSection(s: ConntrackdSync | { error: string }): string[] {
  return ['conntrackd sync (conntrackd -s network):', `  ${'error' in s ? s.error : formatConntrackdSync(s)}`];
}
