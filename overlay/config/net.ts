/**
 * Address arithmetic for the validator: IPv4/IPv6 addresses, CIDR prefixes, subnet membership.
 * Pure functions; no dependency beyond the language.
 */

export interface Ip {
  family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface Cidr extends Ip {
  prefix: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIp(text: string): Ip | undefined {
  if (IPV4.test(text)) {
    const v = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value: v };
  }
  return parseIpv6(text);
}

function parseIpv6(text: string): Ip | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let head = text;
  let v4tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIp(last);
    if (!v4 || v4.family !== 4) return undefined;
    v4tail = v4.value;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const parts = head.split('::');
  if (parts.length > 2) return undefined;
  const left = parts[0] ? parts[0].split(':') : [];
  const right = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const groups = left.length + right.length;
  if (parts.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const all = [...left, ...Array<string>(8 - groups).fill('0'), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | v4tail;
  return { family: 6, value: v };
}

/** "10.0.0.1/24" → address + prefix; a bare address only when `allowBare` (then a host prefix). */
export function parseCidr(text: string, allowBare = false): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!allowBare) return undefined;
    const ip = parseIp(text);
    return ip && { ...ip, prefix: ip.family === 4 ? 32 : 128 };
  }
  const ip = parseIp(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(p)) return undefined;
  const prefix = Number(p);
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  return { ...ip, prefix };
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function network(c: Cidr): bigint {
  const shift = BigInt(bits(c.family) - c.prefix);
  return (c.value >> shift) << shift;
}

/** Is `ip` inside the subnet `net` (same family, same network bits)? */
export function inSubnet(ip: Ip, net: Cidr): boolean {
  if (ip.family !== net.family) return false;
  const shift = BigInt(bits(net.family) - net.prefix);
  return ip.value >> shift === net.value >> shift;
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}

/** A 255.255.255.0-style netmask (contiguous ones), as ipvsadm's persistence netmask takes it. */
export function isNetmask(text: string): boolean {
  const ip = parseIp(text);
  if (!ip || ip.family !== 4) return false;
  const inv = ~ip.value & 0xffffffffn;
  return (inv & (inv + 1n)) === 0n;
}

export const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function normalizeMac(text: string): string {
  return text.toLowerCase().replace(/-/g, ':');
}

/** "ip:port" or "[v6]:port" → parts, or undefined. */
export function parseHostPort(text: string): { host: string; ip: Ip | undefined; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  const host = m[1]!;
  return { host, ip: parseIp(host), port };
}

export const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** An address as text: dotted quad, or IPv6 with the longest run of zero groups as "::". */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hexs = groups.map((g) => g.toString(16));
  if (best < 0) return hexs.join(':');
  return `${hexs.slice(0, best).join(':')}::${hexs.slice(best + bestLen).join(':')}`;
}

/** The last address of the subnet (the IPv4 broadcast address). */
export function lastAddress(c: Cidr): bigint {
  const host = (1n << BigInt(bits(c.family) - c.prefix)) - 1n;
  return network(c) | host;
}
