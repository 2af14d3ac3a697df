import { describe, expect, it } from 'vitest';
import { conntrackdSection, ipvsSyncSection } from '../../../overlay/pillarsctl/sync.js';
import { ALARM_UDP_NODE2_NETWORK, SYNC_DAEMONS } from '../status/fixtures.js';

describe('pillarsctl status: the state sync sections', () => {
  it("a director's IPVS sync after its pool", () => {
    expect(ipvsSyncSection({ daemons: SYNC_DAEMONS, connections: { entries: 16, synced: 16 } })).toEqual([
      '',
      'IPVS connection sync (ipvsadm -L --daemon; /proc/net/ip_vs_conn_sync)',
      '  master (sync, id 51) + backup (sync, id 51); 16 connections, 16 synced from the peer',
    ]);
    expect(ipvsSyncSection({ daemons: [], error: 'ipvsadm -L --daemon: exit 2: x' })[2]).toBe(
      '  no sync daemon; ipvsadm -L --daemon: exit 2: x',
    );
  });

  it("conntrackd's counters, or why there are none", () => {
    expect(conntrackdSection(ALARM_UDP_NODE2_NETWORK)).toEqual([
      'conntrackd sync (conntrackd -s network):',
      '  UDP on sync: sent 0 messages (0 bytes), received 7 (588 bytes), 0 errors, 0 lost',
    ]);
    expect(conntrackdSection({ error: 'conntrackd -s network: no answer' })[1]).toBe(
      '  conntrackd -s network: no answer',
    );
  });
});
