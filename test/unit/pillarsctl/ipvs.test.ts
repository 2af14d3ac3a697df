import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addMissingDown,
  buildPool,
  checkStates,
  formatPool,
  parseCount,
  parseIpvsList,
  parseIpvsStats,
  type PoolService,
} from '../../../overlay/pillarsctl/ipvs.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'ipvsadm', name), 'utf8');
const list = fixture('list.txt');
const stats = fixture('stats.txt');

// list.txt / stats.txt: `ipvsadm -L -n` and `ipvsadm -L -n --stats` of the image's ipvsadm (v1.31)
// on a booted director of the lab, after 25 requests to the rr service and a few services added
// by hand (wrr with persistence and mask, sh with flags and dr/tun servers, udp with ops, fwmark,
// mh with flags and persistence, one service without servers).
describe('ipvsadm -L -n', () => {
  it('parses services with scheduler, flags, persistence and real servers', () => {
    const s = parseIpvsList(list);
    expect(s.map((x) => `${x.protocol} ${x.address} ${x.scheduler}`)).toEqual([
      'TCP 192.0.2.10:0 mh',
      'TCP 192.0.2.10:80 rr',
      'TCP 192.0.2.10:81 wrr',
      'TCP 192.0.2.10:82 sh',
      'TCP 192.0.2.10:8443 wlc',
      'UDP 192.0.2.10:53 wlc',
      'FWM 7 lc',
    ]);
    const [mh, rr, wrr, sh, empty, udp, fwm] = s as [
      PoolService,
      PoolService,
      PoolService,
      PoolService,
      PoolService,
      PoolService,
      PoolService,
    ];
    expect(mh.flags).toBe('(mh-port) persistent 60');
    expect(mh.persistence).toEqual({ timeout: 60 });
    expect(wrr.persistence).toEqual({ timeout: 300, netmask: '255.255.255.0' });
    expect(fwm.persistence).toEqual({ timeout: 360 });
    expect(rr.persistence).toBeUndefined();
    expect(sh.flags).toBe('(sh-fallback,sh-port)');
    expect(udp.flags).toBe('ops');
    expect(empty.realServers).toEqual([]);
    expect(rr.realServers[0]).toEqual({
      address: '198.51.100.100:80',
      forward: 'Masq',
      method: 'nat',
      weight: 1,
      activeConn: 0,
      inactConn: 8,
    });
    expect(rr.realServers.map((r) => r.weight)).toEqual([1, 1, 1, 0]);
    expect(sh.realServers.map((r) => r.method)).toEqual(['dr', 'tun']);
    expect(wrr.realServers[0]!.address).toBe('198.51.100.100:8081');
  });
  it('an empty table is no services', () => {
    expect(
      parseIpvsList(
        'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
      ),
    ).toEqual([]);
  });
});

describe('ipvsadm -L -n --stats', () => {
  it('parses the counters', () => {
    const s = parseIpvsStats(stats);
    expect(s.map((x) => x.address)).toEqual([
      '192.0.2.10:0',
      '192.0.2.10:80',
      '192.0.2.10:81',
      '192.0.2.10:82',
      '192.0.2.10:8443',
      '192.0.2.10:53',
      '7',
    ]);
    expect(s[1]!.stats).toEqual({ conns: 25, inPkts: 133, outPkts: 122, inBytes: 8491, outBytes: 9669 });
    expect(s[1]!.realServers[2]).toEqual({
      address: '198.51.100.102:80',
      stats: { conns: 9, inPkts: 48, outPkts: 44, inBytes: 3063, outBytes: 3485 },
    });
  });
  it('reads the K/M/G suffixes ipvsadm prints without --exact', () => {
    expect(parseCount('1234K')).toBe(1_234_000);
    expect(parseCount('12M')).toBe(12_000_000);
    expect(parseCount('7')).toBe(7);
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
    const web = pool[1]!;
    expect(web.stats?.conns).toBe(25);
    expect(web.realServers.map((r) => [r.address, r.check, r.stats?.conns])).toEqual([
      ['198.51.100.100:80', 'UP', 8],
      ['198.51.100.101:80', undefined, 8],
      ['198.51.100.102:80', 'DOWN', 9],
      ['198.51.100.110:80', undefined, 0],
      ['198.51.100.103:80', 'DOWN', undefined],
    ]);
    expect(pool[6]!.realServers[0]!.check).toBe('UP');
  });
  it("prints ipvsadm's columns, then the check state and the counters", () => {
    const checks = checkStates(info);
    const lines = formatPool(addMissingDown(buildPool(list, stats, checks), checks));
    const text = lines.join('\n');
    expect(text).toContain('TCP  192.0.2.10:80 rr  (conns 25, in 133 pkts, out 122 pkts)');
    // The ipvsadm part of a real-server line is exactly ipvsadm's own.
    const own = list
      .split('\n')
      .find((l) => l.includes('198.51.100.101:80'))!
      .trimEnd();
    expect(lines.find((l) => l.includes('198.51.100.101:80'))!.startsWith(own)).toBe(true);
    expect(text).toMatch(/-> 198\.51\.100\.100:80 +Masq +1 +0 +8 +UP +8 +42 +38$/m);
    expect(text).toMatch(/-> 198\.51\.100\.103:80 +- +0 +0 +0 +DOWN$/m);
    expect(text).toContain('TCP  192.0.2.10:81 wrr persistent 300 mask 255.255.255.0');
    expect(text).toMatch(/-> 192\.0\.2\.110:82 +Route +2 +0 +0 +- +0 +0 +0$/m);
    expect(formatPool([])).toEqual(['(no virtual services)']);
  });
});
