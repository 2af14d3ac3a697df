import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addMissingDown, buildPool, checkStates, formatPool, parseCount, parseIpvsList, parseIpvsStats } from '../../../overlay/pillarsctl/ipvs.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'ipvsadm', name), 'utf8');
const list = fixture('list.txt');
const stats = fixture('stats.txt');

describe('ipvsadm -L -n', () => {
  it('parses services with scheduler, flags, persistence and real servers', () => {
    const s = parseIpvsList(list);
    expect(s.map((x) => `${x.protocol} ${x.address} ${x.scheduler}`)).toEqual(['TCP 192.0.2.10:80 rr', 'TCP 192.0.2.10:81 wrr', 'TCP 192.0.2.10:82 sh', 'UDP 192.0.2.10:53 wlc', 'FWM 7 lc']);
    expect(s[1]!.persistence).toEqual({ timeout: 300, netmask: '255.255.255.0' });
    expect(s[4]!.persistence).toEqual({ timeout: 300 });
    expect(s[0]!.persistence).toBeUndefined();
    expect(s[2]!.flags).toBe('(sh-fallback,sh-port)');
    expect(s[3]!.flags).toBe('ops');
    expect(s[0]!.realServers[0]).toEqual({ address: '198.51.100.100:80', forward: 'Masq', method: 'nat', weight: 1, activeConn: 2, inactConn: 11 });
    expect(s[2]!.realServers.map((r) => r.method)).toEqual(['dr', 'tun']);
    expect(s[0]!.realServers[2]!.weight).toBe(0);
  });
  it('an empty table is no services', () => {
    expect(parseIpvsList('IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n')).toEqual([]);
  });
});

describe('ipvsadm -L -n --stats', () => {
  it('parses the counters, with K/M suffixes', () => {
    const s = parseIpvsStats(stats);
    expect(s[0]!.stats).toEqual({ conns: 60, inPkts: 420, outPkts: 360, inBytes: 27720, outBytes: 1_234_000 });
    expect(s[2]!.realServers[0]).toEqual({ address: '192.0.2.110:82', stats: { conns: 4, inPkts: 28, outPkts: 0, inBytes: 1848, outBytes: 0 } });
    expect(s[4]!.address).toBe('7');
    expect(parseCount('12M')).toBe(12_000_000);
    expect(parseCount('x')).toBeNaN();
  });
});

describe('pool view', () => {
  const info = {
    'lvs.192.0.2.10:80/tcp': { value: 'UP', since: 1 },
    'lvs.192.0.2.10:80/tcp.198.51.100.100:80/tcp': { value: 'UP', since: 1 },
    'lvs.192.0.2.10:80/tcp.198.51.100.102:80/tcp': { value: 'DOWN', since: 2 },
    'lvs.192.0.2.10:80/tcp.198.51.100.103:80/tcp': { value: 'DOWN', since: 2 },
    'lvs.fwmark 7.198.51.100.100:0/tcp': { value: 'UP', since: 1 },
    'vrrp.VI_LAN': { value: 'MASTER', since: 1 },
  };
  it('joins list, stats and check states', () => {
    const checks = checkStates(info);
    expect(checks.get('tcp|192.0.2.10|80')?.get('198.51.100.102|80')).toBe('DOWN');
    expect(checks.get('fwm|7')?.get('198.51.100.100|0')).toBe('UP');
    const pool = addMissingDown(buildPool(list, stats, checks), checks);
    const web = pool[0]!;
    expect(web.stats?.conns).toBe(60);
    expect(web.realServers.map((r) => [r.address, r.check, r.stats?.conns])).toEqual([
      ['198.51.100.100:80', 'UP', 20],
      ['198.51.100.101:80', undefined, 20],
      ['198.51.100.102:80', 'DOWN', 20],
      ['198.51.100.103:80', 'DOWN', undefined],
    ]);
    expect(pool[4]!.realServers[0]!.check).toBe('UP');
  });
  it('prints like ipvsadm with a check column', () => {
    const checks = checkStates(info);
    const text = formatPool(addMissingDown(buildPool(list, stats, checks), checks)).join('\n');
    expect(text).toContain('TCP  192.0.2.10:80 rr  (conns 60, in 420 pkts, out 360 pkts)');
    expect(text).toMatch(/-> 198\.51\.100\.100:80 +Masq +1 +2 +11 +UP +20 +140 +120/);
    expect(text).toMatch(/-> 198\.51\.100\.103:80 +- +0 +0 +0 +DOWN/);
    expect(text).toContain('TCP  192.0.2.10:81 wrr persistent 300 mask 255.255.255.0');
    expect(text).toMatch(/-> 192\.0\.2\.110:82 +Route +2 +0 +4 +- +4 +28 +0/);
    expect(formatPool([])).toEqual(['(no virtual services)']);
  });
});
