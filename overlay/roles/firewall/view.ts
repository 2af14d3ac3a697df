/**
 * The firewall view: the nftables ruleset of one node as plain data (chains of rule lines built
 * from already-escaped parts), computed from the validated config. The template only prints it.
 *
 * Layout (one `inet` table, so IPv4 and IPv6 share every rule):
 *   raw_prerouting     (filter, raw)      anti-spoofing: fib saddr . iif oif missing → drop
 *   mangle_prerouting  (filter, mangle)   firewall marks for director fwmark services
 *   nat_prerouting     (nat, dstnat)      port forwards
 *   input / forward / output (filter)     established/related fast path, ICMP essentials, the
 *                                         pair's own traffic, then the config's rules in order
 *                                         (first match wins), then the policy (logged)
 *   nat_postrouting    (nat, srcnat)      masquerade (SNAT to the VIP when the interface has one)
 * Every rule carries a counter; config rules carry their comment (or `rules[N]`).
 */
import { BFD_PORTS, bfdInterface, nodeNets, parseIp, type NodeConfig, type PillarsConfig } from '../../config/index.js';
import { parseHostPort } from '../../config/net.js';
import { nftValue } from '../../templates/escape.js';

export const FIREWALL_TABLE = 'pillars';
/** Kernel log prefix of dropped packets (pillarsctl logs firewall). */
export const DROP_LOG_PREFIX = 'pillars-drop';

type Family = 4 | 6;
type Firewall = NonNullable<PillarsConfig['firewall']>;
type Rule = Firewall['rules'][number];

export interface NftRule {
  /** The rule text (matches, counter, verdict, comment), escaped. */
  text: string;
}

export interface NftChain {
  name: string;
  /** "type filter hook input priority filter; policy drop;" */
  head: string;
  /** Explanatory comment line above the chain (plain text from the renderer). */
  note: string;
  rules: NftRule[];
}

export interface FirewallView {
  node: string;
  table: string;
  chains: NftChain[];
}

export interface FirewallInput {
  config: PillarsConfig;
  nodeName: string;
  node: NodeConfig;
}

const q = (s: string) => `"${nftValue(s).replace(/^"|"$/g, '')}"`;
const set = (items: readonly string[]) => (items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`);
const ifset = (names: readonly string[]) => set(names.map((n) => q(n)));
const famOf = (a: string): Family | undefined => parseIp(a.split('/')[0]!)?.family;
const ipKw = (f: Family) => (f === 4 ? 'ip' : 'ip6');
const portText = (p: string | number | boolean) => nftValue(String(p));

function l4(protocol: string): string | undefined {
  switch (protocol) {
    case 'tcp':
    case 'udp':
      return protocol;
    case 'icmp':
      return 'icmp';
    case 'icmpv6':
      return 'ipv6-icmp';
    case 'vrrp':
      // By number: the image has no /etc/protocols for nft to resolve the name with.
      return '112';
    default:
      return undefined;
  }
}

/** The address families a rule needs a line for: one per family its addresses name, or none (family-free). */
function families(
  sources: readonly string[],
  destinations: readonly string[],
  protocol: string,
): (Family | undefined)[] {
  const fs = new Set<Family>();
  for (const a of [...sources, ...destinations]) {
    const f = famOf(a);
    if (f) fs.add(f);
  }
  if (fs.size === 0) return protocol === 'icmp' ? [4] : protocol === 'icmpv6' ? [6] : [undefined];
  return [...fs]
    .sort()
    .filter((f) => (protocol === 'icmp' ? f === 4 : protocol === 'icmpv6' ? f === 6 : true))
    .filter((f) => {
      // A side that names addresses but none of this family cannot match in this family.
      const ok = (list: readonly string[]) => list.length === 0 || list.some((a) => famOf(a) === f);
      return ok(sources) && ok(destinations);
    });
}

function addrMatch(f: Family | undefined, dir: 'saddr' | 'daddr', list: readonly string[]): string[] {
  if (list.length === 0 || f === undefined) return [];
  const mine = list.filter((a) => famOf(a) === f).map((a) => nftValue(a));
  return [`${ipKw(f)} ${dir} ${set(mine)}`];
}

function protoMatch(protocol: string, ports: readonly (string | number | boolean)[]): string[] {
  const p = l4(protocol);
  if (!p) return [];
  if (ports.length > 0) return [`${p} dport ${set(ports.map(portText))}`];
  return [`meta l4proto ${p}`];
}

function verdict(action: string, protocol: string): string {
  if (action === 'reject') return protocol === 'tcp' ? 'reject with tcp reset' : 'reject';
  return action;
}

function line(parts: readonly string[]): NftRule {
  return { text: parts.filter((p) => p !== '').join(' ') };
}

/** The interfaces of a zone (or none for self). */
function zoneIfaces(fw: Firewall, zone: string): string[] {
  return zone === 'self' ? [] : [...(fw.zones[zone]?.interfaces ?? [])];
}

/** Where a config rule goes: input (to self), output (from self) or forward. */
export function ruleChain(r: Pick<Rule, 'from' | 'to'>): 'input' | 'output' | 'forward' {
  if (r.to === 'self') return 'input';
  if (r.from === 'self') return 'output';
  return 'forward';
}

function configRule(fw: Firewall, r: Rule, index: number): NftRule[] {
  const chain = ruleChain(r);
  const inIf = chain === 'output' ? [] : [`iifname ${ifset(zoneIfaces(fw, r.from))}`];
  const outIf = chain === 'input' ? [] : [`oifname ${ifset(zoneIfaces(fw, r.to))}`];
  const comment = `comment ${q(r.comment ?? `rules[${index}]`)}`;
  return families(r.sources, r.destinations, r.protocol).map((f) =>
    line([
      ...inIf,
      ...outIf,
      ...addrMatch(f, 'saddr', r.sources),
      ...addrMatch(f, 'daddr', r.destinations),
      ...(f !== undefined &&
      r.sources.length === 0 &&
      r.destinations.length === 0 &&
      r.protocol !== 'icmp' &&
      r.protocol !== 'icmpv6'
        ? [`meta nfproto ipv${f}`]
        : []),
      ...protoMatch(r.protocol, r.ports),
      ...(r.rate_limit ? [`limit rate ${nftValue(r.rate_limit)}`] : []),
      'counter',
      ...(r.log ? [`log prefix ${q(`pillars rules[${index}] ${r.action}: `)} level warn`] : []),
      verdict(r.action, r.protocol),
      comment,
    ]),
  );
}

/** The pair's own traffic: which interfaces carry which protocol, from the sections the config runs. */
export interface PairTraffic {
  what: string;
  interfaces: string[];
  match: string;
}

export function pairTraffic(config: PillarsConfig): PairTraffic[] {
  const out: PairTraffic[] = [];
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  if (config.vrrp)
    out.push({
      what: 'VRRP adverts',
      interfaces: uniq(config.vrrp.instances.map((i) => i.interface)),
      match: 'meta l4proto 112',
    });
  if (config.carp)
    out.push({
      what: 'CARP adverts',
      interfaces: uniq(config.carp.instances.map((i) => i.interface)),
      match: 'meta l4proto 112',
    });
  const ss = config.statesync;
  if (ss?.conntrackd && config.firewall)
    out.push({ what: 'conntrackd state sync', interfaces: [ss.interface], match: `udp dport ${ss.port}` });
  if (ss?.ipvs_sync && config.director && config.vrrp)
    out.push({ what: 'IPVS connection sync', interfaces: [ss.interface], match: 'udp dport 8848' });
  const bfdIf = config.vrrp?.bfd ? bfdInterface(config) : undefined;
  if (bfdIf !== undefined) {
    const ports: number[] = [BFD_PORTS.control, BFD_PORTS.echo];
    if (config.vrrp?.bfd?.multihop) ports.push(BFD_PORTS.multihop);
    out.push({ what: 'BFD', interfaces: [bfdIf], match: `udp dport { ${ports.join(', ')} }` });
  }
  const hb = config.heartbeat;
  if (hb) {
    const udp = hb.links.filter((l) => l.type !== 'serial').map((l) => (l as { interface: string }).interface);
    if (udp.length > 0) out.push({ what: 'heartbeat', interfaces: uniq(udp), match: `udp dport ${hb.udpport}` });
  }
  return out;
}

/** The VRRP/CARP address of the pair on `ifname` in family `f`, if any: masquerade uses it so the peer can take over. */
export function gatewayVip(config: PillarsConfig, ifname: string, f: Family): string | undefined {
  const vips = [
    ...(config.vrrp?.instances.filter((i) => i.interface === ifname).flatMap((i) => i.vips) ?? []),
    ...(config.carp?.instances.filter((i) => i.interface === ifname).flatMap((i) => i.vips) ?? []),
  ].map((v) => v.split('/')[0]!);
  return vips.find((v) => famOf(v) === f);
}

const ICMP_ESSENTIAL_V4 = 'icmp type { destination-unreachable, time-exceeded, parameter-problem }';
const ICMP_ESSENTIAL_V6 = 'icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem }';
const ND =
  'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query, mld-listener-report, mld2-listener-report }';

function policyLog(fw: Firewall, chain: string, policy: string): NftRule[] {
  if (!fw.log_drops || policy !== 'drop') return [];
  return [
    line([
      `limit rate ${nftValue(fw.log_rate)}`,
      'counter',
      `log prefix ${q(`${DROP_LOG_PREFIX} ${chain}: `)} level warn`,
      `comment ${q(`${chain} policy drop`)}`,
    ]),
  ];
}

export function firewallView(args: FirewallInput): FirewallView {
  const { config, nodeName, node } = args;
  const fw = config.firewall;
  if (!fw) throw new Error('firewallView: the config has no firewall section');
  const zoneIfs = [...new Set(Object.values(fw.zones).flatMap((z) => z.interfaces))].sort();
  const pair = pairTraffic(config);
  const chains: NftChain[] = [];

  // ---- anti-spoofing
  if (fw.anti_spoofing && zoneIfs.length > 0) {
    const logPart = fw.log_drops ? [`log prefix ${q(`${DROP_LOG_PREFIX} spoofed: `)} level warn`] : [];
    chains.push({
      name: 'raw_prerouting',
      head: 'type filter hook prerouting priority raw; policy accept;',
      note: 'Anti-spoofing: a source that is not routed back out of the interface it came in on is dropped.',
      rules: [
        line([
          `iifname ${ifset(zoneIfs)}`,
          'meta nfproto ipv4',
          'fib saddr . iif oif missing',
          'counter',
          ...logPart,
          'drop',
          `comment ${q('anti-spoofing IPv4')}`,
        ]),
        line([
          `iifname ${ifset(zoneIfs)}`,
          'ip6 saddr != { ::, fe80::/10 }',
          'fib saddr . iif oif missing',
          'counter',
          ...logPart,
          'drop',
          `comment ${q('anti-spoofing IPv6')}`,
        ]),
      ],
    });
  }

  // ---- marks
  if (fw.marks.length > 0) {
    chains.push({
      name: 'mangle_prerouting',
      head: 'type filter hook prerouting priority mangle; policy accept;',
      note: 'Firewall marks (director fwmark virtual servers match on them).',
      rules: fw.marks.flatMap((m, i) =>
        families([], m.destinations, 'any').map((f) =>
          line([
            ...addrMatch(f, 'daddr', m.destinations),
            ...protoMatch(m.protocol, m.ports),
            'counter',
            `meta mark set ${m.mark}`,
            `comment ${q(m.comment ?? `marks[${i}]`)}`,
          ]),
        ),
      ),
    });
  }

  // ---- port forwards (DNAT)
  const forwards = fw.port_forwards.map((pf, i) => {
    const hp = parseHostPort(pf.to);
    if (!hp?.ip) throw new Error(`firewall.port_forwards[${i}].to: ${pf.to} is not an address:port`);
    return { pf, i, ip: hp.ip, host: hp.host, port: hp.port, comment: pf.comment ?? `port_forwards[${i}]` };
  });
  if (forwards.length > 0) {
    chains.push({
      name: 'nat_prerouting',
      head: 'type nat hook prerouting priority dstnat; policy accept;',
      note: 'Port forwards.',
      rules: forwards.map(({ pf, ip, host, port, comment }) => {
        const f = ip.family as Family;
        const target = f === 4 ? `${nftValue(host)}:${port}` : `[${nftValue(host)}]:${port}`;
        return line([
          `iifname ${q(pf.in)}`,
          ...addrMatch(f, 'saddr', pf.sources),
          ...(pf.destination ? addrMatch(f, 'daddr', [pf.destination]) : [`meta nfproto ipv${f}`]),
          `${pf.protocol} dport ${pf.port}`,
          'counter',
          `dnat ${ipKw(f)} to ${target}`,
          `comment ${q(comment)}`,
        ]);
      }),
    });
  }

  // ---- input
  const input: NftRule[] = [
    line(['iifname "lo"', 'counter', 'accept', `comment ${q('loopback')}`]),
    line(['ct state established,related', 'counter', 'accept', `comment ${q('established/related')}`]),
    line(['ct state invalid', 'counter', 'drop', `comment ${q('invalid')}`]),
    line([ICMP_ESSENTIAL_V4, 'counter', 'accept', `comment ${q('ICMP errors (PMTU)')}`]),
    line([ICMP_ESSENTIAL_V6, 'counter', 'accept', `comment ${q('ICMPv6 errors (PMTU)')}`]),
    line([ND, 'ip6 hoplimit 255', 'counter', 'accept', `comment ${q('ICMPv6 neighbour discovery')}`]),
    line([
      'ip6 saddr fe80::/10',
      'icmpv6 type { mld-listener-query, mld-listener-report, mld2-listener-report }',
      'counter',
      'accept',
      `comment ${q('MLD')}`,
    ]),
    ...pair.map((p) => line([`iifname ${ifset(p.interfaces)}`, p.match, 'counter', 'accept', `comment ${q(p.what)}`])),
  ];
  // With an accepting output policy the essentials need no rule of their own; the config's
  // output rules (drop or reject something) still apply in order.
  const output: NftRule[] =
    fw.output_policy === 'drop'
      ? [
          line(['oifname "lo"', 'counter', 'accept', `comment ${q('loopback')}`]),
          line(['ct state established,related', 'counter', 'accept', `comment ${q('established/related')}`]),
          line([ICMP_ESSENTIAL_V4, 'counter', 'accept', `comment ${q('ICMP errors (PMTU)')}`]),
          line([ICMP_ESSENTIAL_V6, 'counter', 'accept', `comment ${q('ICMPv6 errors (PMTU)')}`]),
          line([ND, 'counter', 'accept', `comment ${q('ICMPv6 neighbour discovery')}`]),
          ...pair.map((p) =>
            line([`oifname ${ifset(p.interfaces)}`, p.match, 'counter', 'accept', `comment ${q(p.what)}`]),
          ),
        ]
      : [];
  const forward: NftRule[] = [
    line(['ct state established,related', 'counter', 'accept', `comment ${q('established/related')}`]),
    line(['ct state invalid', 'counter', 'drop', `comment ${q('invalid')}`]),
    line([ICMP_ESSENTIAL_V4, 'counter', 'accept', `comment ${q('ICMP errors (PMTU)')}`]),
    line([ICMP_ESSENTIAL_V6, 'counter', 'accept', `comment ${q('ICMPv6 errors (PMTU)')}`]),
    ...forwards.map(({ pf, ip, host, port, comment }) => {
      const f = ip.family as Family;
      return line([
        `iifname ${q(pf.in)}`,
        ...addrMatch(f, 'saddr', pf.sources),
        `${ipKw(f)} daddr ${nftValue(host)}`,
        `${pf.protocol} dport ${port}`,
        'ct status dnat',
        'counter',
        'accept',
        `comment ${q(comment)}`,
      ]);
    }),
  ];
  fw.rules.forEach((r, i) => {
    const target = { input, output, forward }[ruleChain(r)];
    target.push(...configRule(fw, r, i));
  });
  input.push(...policyLog(fw, 'input', fw.input_policy));
  forward.push(...policyLog(fw, 'forward', fw.forward_policy));
  output.push(...policyLog(fw, 'output', fw.output_policy));
  chains.push(
    {
      name: 'input',
      head: `type filter hook input priority filter; policy ${fw.input_policy};`,
      note: 'To the appliance.',
      rules: input,
    },
    {
      name: 'forward',
      head: `type filter hook forward priority filter; policy ${fw.forward_policy};`,
      note: 'Through the appliance.',
      rules: forward,
    },
    {
      name: 'output',
      head: `type filter hook output priority filter; policy ${fw.output_policy};`,
      note: 'From the appliance.',
      rules: output,
    },
  );

  // ---- masquerade
  if (fw.masquerade.length > 0) {
    chains.push({
      name: 'nat_postrouting',
      head: 'type nat hook postrouting priority srcnat; policy accept;',
      note: "Masquerade: to the pair's address on the outgoing interface when it has one (so the peer can take the connections over), else to the interface address.",
      rules: fw.masquerade.flatMap((m, i) => {
        const fams: Family[] =
          m.sources.length > 0 ? [...new Set(m.sources.map(famOf).filter((f): f is Family => !!f))].sort() : [4, 6];
        return fams.map((f) => {
          const vip = gatewayVip(config, m.out, f);
          const own = nodeNets(node, m.out).some((n) => n.family === f);
          return line([
            // Forwarded traffic only: a locally generated packet has no input interface, so the
            // iifname match never holds for it (the boxes' own VRRP adverts keep their source).
            `iifname != ${q(m.out)}`,
            `oifname ${q(m.out)}`,
            ...(m.sources.length > 0 ? addrMatch(f, 'saddr', m.sources) : [`meta nfproto ipv${f}`]),
            'counter',
            vip ? `snat ${ipKw(f)} to ${nftValue(vip)}` : 'masquerade',
            `comment ${q(m.comment ?? `masquerade[${i}]${own || vip ? '' : ' (no address of this family on ' + m.out + ')'}`)}`,
          ]);
        });
      }),
    });
  }
  return { node: nodeName, table: FIREWALL_TABLE, chains };
}
