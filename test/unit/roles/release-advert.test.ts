import { describe, expect, it } from 'vitest';
import {
  internetChecksum,
  releaseAdverts,
  vrrpAdvert,
  VRRP_GROUP4,
} from '../../../overlay/roles/keepalived/release-advert.js';
import type { KaInstance } from '../../../overlay/roles/keepalived/view.js';

const ip = (a: string) => Buffer.from(a.split('.').map(Number));
/** RFC 5798 5.2.8: the checksum over the IPv4 pseudo-header and the message sums to 0xffff (ones' complement 0). */
const v3ChecksumOk = (msg: Buffer, src: string, dst: string) =>
  internetChecksum(Buffer.concat([ip(src), ip(dst), Buffer.from([0, 112, 0, msg.length]), msg])) === 0;

describe('the priority-0 advert sent in a killed keepalived\u2019s place', () => {
  it('VRRPv3: version 3, type 1, priority 0, the VIPs, the interval in centiseconds, a pseudo-header checksum', () => {
    const f = { version: 3 as const, vrid: 51, priority: 0, advertInt: '0.1', vips: ['192.0.2.10'] };
    const msg = vrrpAdvert({ ...f, src: '192.0.2.2', dst: VRRP_GROUP4 });
    expect(msg.subarray(0, 6).toString('hex')).toBe('31330001000a');
    expect(msg.subarray(8).toString('hex')).toBe('c000020a');
    expect(v3ChecksumOk(msg, '192.0.2.2', VRRP_GROUP4)).toBe(true);
    // The checksum covers the source: another node's advert has another one.
    expect(v3ChecksumOk(msg, '192.0.2.3', VRRP_GROUP4)).toBe(false);
    const slow = vrrpAdvert({
      ...f,
      advertInt: '2.5',
      vips: ['192.0.2.10', '192.0.2.11'],
      src: '192.0.2.2',
      dst: '192.0.2.3',
    });
    expect(slow.readUInt16BE(4)).toBe(250);
    expect(slow[3]).toBe(2);
    expect(v3ChecksumOk(slow, '192.0.2.2', '192.0.2.3')).toBe(true);
  });

  it('VRRPv2: whole seconds, the simple password in the 8 auth bytes, a checksum over the message alone', () => {
    const msg = vrrpAdvert({
      version: 2,
      vrid: 7,
      priority: 0,
      advertInt: '1',
      vips: ['198.51.100.1'],
      src: '198.51.100.2',
      dst: VRRP_GROUP4,
      pass: 'secret',
    });
    expect(msg.length).toBe(8 + 4 + 8);
    expect([msg[0], msg[1], msg[2], msg[3], msg[4], msg[5]]).toEqual([0x21, 7, 0, 1, 1, 1]);
    expect(msg.subarray(12).toString('latin1')).toBe('secret\0\0');
    expect(internetChecksum(msg)).toBe(0);
  });

  const inst = (o: Partial<KaInstance>): KaInstance => ({
    name: 'VI_LAN',
    interface: 'lan',
    vrid: 51,
    version: 3,
    priority: 150,
    advertInt: '0.1',
    vips: ['192.0.2.10/24 dev lan'],
    excludedVips: [],
    advertSrc: '192.0.2.2',
    unicastPeers: [],
    trackInterfaces: [],
    trackScripts: [],
    trackBfd: [],
    nopreempt: false,
    preemptDelay: 0,
    garp: { delay: 1, repeat: 5, refresh: 0 },
    smtpAlert: false,
    ...o,
  });

  it('goes to the VRRP group out of the instance interface, or to each unicast peer', () => {
    expect(releaseAdverts(inst({}))).toEqual([
      {
        instance: 'VI_LAN',
        dev: 'lan',
        src: '192.0.2.2',
        dst: '224.0.0.18',
        hex: expect.stringMatching(/^3133000100/),
      },
    ]);
    const peers = releaseAdverts(inst({ unicastPeers: ['192.0.2.3', '192.0.2.4'], unicastSrc: '192.0.2.2' }));
    expect(peers.map((a) => a.dst)).toEqual(['192.0.2.3', '192.0.2.4']);
    for (const a of peers) expect(v3ChecksumOk(Buffer.from(a.hex, 'hex'), a.src, a.dst)).toBe(true);
  });

  it('sends nothing it cannot speak: IPsec AH (its sequence number died with keepalived), IPv6 instances', () => {
    expect(releaseAdverts(inst({ version: 2, advertInt: '1', auth: { type: 'AH', pass: 'x' } }))).toEqual([]);
    expect(releaseAdverts(inst({ vips: ['2001:db8::10/64 dev lan'], advertSrc: '2001:db8::2' }))).toEqual([]);
    expect(releaseAdverts(inst({ advertSrc: undefined }))).toEqual([]);
  });
});
