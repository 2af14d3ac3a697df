/**
 * The priority-0 advert a killed keepalived can no longer send. A master that stops cleanly sends
 * VRRP adverts with priority 0 (RFC 5798 6.4.3, RFC 3768 6.4.3), and its backup then takes over
 * after the skew time (a few tens of ms) instead of the whole master-down interval (three adverts
 * plus the skew). After a `kill -9` the supervisor's release script sends that advert in its place,
 * with the image's `sendip`, byte for byte what keepalived would have sent. Pure.
 */
import { parseIp } from '../../config/net.js';
import type { KaInstance } from './view.js';

/** VRRP's IPv4 multicast group (224.0.0.18) and IP protocol number (112). */
export const VRRP_GROUP4 = '224.0.0.18';
export const IPPROTO_VRRP = 112;

/** One advert to send: out of `dev`, from `src` to `dst`, the VRRP message as hex. */
export interface ReleaseAdvert {
  instance: string;
  dev: string;
  src: string;
  dst: string;
  hex: string;
}

/**
 * The priority-0 adverts for one instance: to the multicast group, or to each unicast peer.
 * None for what this sender cannot speak: IPv6 instances and VRRPv2 with IPsec AH (its
 * authentication data depends on a sequence number only the dead process knew); those backups
 * wait out their master-down timer as before.
 */
export function releaseAdverts(i: KaInstance): ReleaseAdvert[] {
  if (!i.advertSrc || parseIp(i.advertSrc)?.family !== 4) return [];
  if (i.auth?.type === 'AH') return [];
  const vips = i.vips.map((v) => v.split(/[/ ]/)[0]!);
  if (vips.some((v) => parseIp(v)?.family !== 4)) return [];
  const dsts = i.unicastPeers.length > 0 ? i.unicastPeers : [VRRP_GROUP4];
  return dsts
    .filter((d) => parseIp(d)?.family === 4)
    .map((dst) => ({
      instance: i.name,
      dev: i.interface,
      src: i.advertSrc!,
      dst,
      hex: vrrpAdvert({
        version: i.version,
        vrid: i.vrid,
        priority: 0,
        advertInt: i.advertInt,
        vips,
        src: i.advertSrc!,
        dst,
        ...(i.auth?.type === 'PASS' ? { pass: i.auth.pass } : {}),
      }).toString('hex'),
    }));
}

export interface AdvertFields {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** keepalived's advert_int: seconds, with decimals for VRRPv3. */
  advertInt: string;
  vips: readonly string[];
  src: string;
  dst: string;
  /** VRRPv2 simple password (auth_type PASS); absent: no authentication. */
  pass?: string;
}

/** A VRRP advertisement (the IP payload), checksum filled in as keepalived checks it. */
export function vrrpAdvert(f: AdvertFields): Buffer {
  const v2 = f.version === 2;
  const buf = Buffer.alloc(8 + 4 * f.vips.length + (v2 ? 8 : 0));
  buf[0] = (f.version << 4) | 1; // type 1: advertisement
  buf[1] = f.vrid;
  buf[2] = f.priority;
  buf[3] = f.vips.length;
  if (v2) {
    buf[4] = f.pass !== undefined ? 1 : 0; // auth type: 0 none, 1 simple text password
    buf[5] = Math.max(1, Math.round(Number(f.advertInt)));
  } else buf.writeUInt16BE(Math.round(Number(f.advertInt) * 100) & 0x0fff, 4); // centiseconds, 12 bits
  f.vips.forEach((v, n) => ipv4Bytes(v).copy(buf, 8 + 4 * n));
  if (v2 && f.pass !== undefined)
    Buffer.from(f.pass, 'utf8')
      .subarray(0, 8)
      .copy(buf, 8 + 4 * f.vips.length);
  // VRRPv3 sums an IPv4 pseudo-header (src, dst, 0, protocol, length) first; VRRPv2 the message only.
  const pseudo = v2
    ? Buffer.alloc(0)
    : Buffer.concat([ipv4Bytes(f.src), ipv4Bytes(f.dst), Buffer.from([0, IPPROTO_VRRP]), u16(buf.length)]);
  buf.writeUInt16BE(internetChecksum(Buffer.concat([pseudo, buf])), 6);
  return buf;
}

/** RFC 1071: the ones' complement of the ones' complement sum of 16-bit words. */
export function internetChecksum(data: Buffer): number {
  let sum = 0;
  for (let n = 0; n < data.length; n += 2) sum += (data[n]! << 8) | (data[n + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Bytes(addr: string): Buffer {
  return Buffer.from(addr.split('.').map(Number));
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
