/**
 * A director's IPVS connection sync from the kernel's text: `ipvsadm -L --daemon` and
 * /proc/net/ip_vs_conn_sync. The fixtures follow the formats of the image's ipvsadm 1.31 (its
 * `%s sync daemon (mcast=%s, syncid=%d` with `, maxlen=%u`, `, group=%s`, `, port=%u`, `, ttl=%u`
 * for what the kernel reports; the kernel fills in group 224.0.0.81, port 8848 and ttl 1 for a
 * daemon started without them) and of the kernel's ip_vs_conn_sync_seq_show (`%-3s %08X %04X
 * %08X %04X %08X %04X %-11s %-6s %7u`, Origin SYNC or LOCAL): the lab pair's sync interface and
 * sync id, a client's connections through the VIP to the three backends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countIpvsConnections,
  formatIpvsSync,
  ipvsConnCounter,
  parseIpvsDaemons,
} from '../../../overlay/status/ipvs-sync.js';
import { readIpvsSync } from '../../../overlay/status/sync-readers.js';

const ipvs = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'ipvsadm', name), 'utf8');

describe('IPVS connection sync', () => {
  it('ipvsadm -L --daemon: both daemons of a director, with interface, sync id and group', () => {
    expect(parseIpvsDaemons(ipvs('daemon.txt'))).toEqual([
      { role: 'master', interface: 'sync', syncid: 51, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
      { role: 'backup', interface: 'sync', syncid: 51, maxlen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
    ]);
    expect(parseIpvsDaemons('')).toEqual([]);
    // the short form of older kernels and ipvsadm
    expect(parseIpvsDaemons('backup sync daemon (mcast=eth2, syncid=7)\n')).toEqual([
      { role: 'backup', interface: 'eth2', syncid: 7 },
    ]);
  });

  it('/proc/net/ip_vs_conn_sync: entries, and those the peer sent', () => {
    expect(countIpvsConnections(ipvs('ip_vs_conn_sync-master.txt'))).toEqual({ entries: 4, synced: 0 });
    expect(countIpvsConnections(ipvs('ip_vs_conn_sync-backup.txt'))).toEqual({ entries: 4, synced: 4 });
    expect(countIpvsConnections('Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires\n')).toEqual({
      entries: 0,
      synced: 0,
    });
  });

  it('counts the table as it streams in, whatever the chunks', () => {
    const text = ipvs('ip_vs_conn_sync-backup.txt');
    for (const size of [1, 7, 64]) {
      const c = ipvsConnCounter();
      for (let i = 0; i < text.length; i += size) c.push(text.slice(i, i + size));
      expect(c.end()).toEqual({ entries: 4, synced: 4 });
    }
  });

  it('one line for the texts, long and short', () => {
    const s = { daemons: parseIpvsDaemons(ipvs('daemon.txt')), connections: { entries: 4, synced: 4 } };
    expect(formatIpvsSync(s)).toBe(
      'master (sync, id 51) + backup (sync, id 51); 4 connections, 4 synced from the peer',
    );
    expect(formatIpvsSync(s, true)).toBe('master+backup; 4 conns, 4 synced');
    expect(formatIpvsSync({ daemons: [], error: 'ipvsadm -L --daemon: exit 2: x' }, true)).toBe(
      'no sync daemon; ERROR',
    );
  });

  it('reads ipvsadm and the table; says what failed instead of throwing', async () => {
    const ok = await readIpvsSync(
      async () => ({ code: 0, stdout: ipvs('daemon.txt'), stderr: '' }),
      async () => ({ entries: 4, synced: 4 }),
    );
    expect(ok).toMatchObject({ daemons: [{ role: 'master' }, { role: 'backup' }], connections: { entries: 4 } });
    expect(ok.error).toBeUndefined();
    const bad = await readIpvsSync(
      async () => ({ code: 2, stdout: '', stderr: "Can't initialize ipvs: Protocol not available\n" }),
      () => Promise.reject(new Error('ENOENT: no such file or directory')),
    );
    expect(bad).toEqual({
      daemons: [],
      error:
        "ipvsadm -L --daemon: exit 2: Can't initialize ipvs: Protocol not available; /proc/net/ip_vs_conn_sync: ENOENT: no such file or directory",
    });
  });
});
