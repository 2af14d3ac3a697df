/**
 * The lab as data: names, addresses, MACs and the exact commands that build and tear down a lab.
 * Everything here is pure, so unit tests can check the plan without root; lab.ts only runs it.
 *
 * Layout: one lab namespace `pillars-lab-<id>` holds a Linux bridge per segment and one tap per
 * VM NIC (QEMU runs inside that namespace, so it sees the taps). Each host (a client, a backend)
 * is its own namespace `pillars-lab-<id>-<host>` wired to a segment's bridge by a veth pair.
 * Nothing is ever created in, addressed on or routed out of the caller's own namespace.
 */
import { inSubnet, network, parseCidr, parseIp, type Cidr, type Ip } from '../../overlay/config/net.js';

export interface Cmd {
  cmd: string;
  args: string[];
  /** Text for the command's stdin (an nft ruleset). */
  input?: string;
}

/** Interface names are at most 15 bytes: `pillars-` + 4-char id + `-` + kind + one base36 index. */
export const IFNAME_MAX = 15;
export const LAB_ID_RE = /^[0-9a-z]{4}$/;
const INDEX_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';
export const MAX_PER_KIND = INDEX_CHARS.length;

/** Documentation networks (RFC 5737) used by default for the well-known segment names. */
export const DEFAULT_SEGMENT_CIDRS: Readonly<Record<string, string>> = {
  lan: '192.0.2.0/24',
  internal: '198.51.100.0/24',
  sync: '203.0.113.0/24',
};

/** Hosts get addresses from this host number upward unless given one (VMs use the low numbers). */
export const FIRST_HOST_NUMBER = 100;

export interface SegmentSpec {
  name: string;
  /** An IPv4 /8../30 network, e.g. '192.0.2.0/24'; defaults from DEFAULT_SEGMENT_CIDRS; none for a pure L2 link. */
  cidr?: string | null;
}

export interface HostNicSpec {
  segment: string;
  /** Address without prefix length; allocated from the segment when omitted. */
  address?: string;
}

export interface HostSpec {
  name: string;
  nics: readonly HostNicSpec[];
  /** Default route via this address (e.g. the director's internal address for LVS-NAT backends). */
  gateway?: string;
}

export interface LabSpec {
  segments: readonly SegmentSpec[];
  hosts?: readonly HostSpec[];
}

export interface PlannedSegment {
  name: string;
  index: number;
  bridge: string;
  cidr: string | null;
  prefixLength: number | null;
}

export interface PlannedHostNic {
  segment: string;
  /** The veth end inside the lab namespace, enslaved to the segment's bridge. */
  labIf: string;
  /** The veth end inside the host namespace. */
  ifname: string;
  address: string | null;
  prefixLength: number | null;
  mac: string;
}

export interface PlannedHost {
  name: string;
  netns: string;
  nics: PlannedHostNic[];
  gateway: string | null;
}

export interface LabPlan {
  id: string;
  netns: string;
  segments: PlannedSegment[];
  hosts: PlannedHost[];
  /** Commands that build the lab, in order. */
  setup: Cmd[];
}

export function randomLabId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 4; i++) id += INDEX_CHARS[Math.floor(random() * 36) % 36];
  return id;
}

export function labNetns(id: string): string {
  return `pillars-lab-${id}`;
}

export function hostNetns(id: string, host: string): string {
  return `pillars-lab-${id}-${host}`;
}

/** Does this namespace or interface name belong to lab `id`? */
export function belongsToLab(name: string, id: string): boolean {
  return name === labNetns(id) || name.startsWith(`${labNetns(id)}-`) || name.startsWith(`pillars-${id}-`);
}

function ifname(id: string, kind: 'b' | 't' | 'v', index: number): string {
  if (!LAB_ID_RE.test(id)) throw new Error(`lab id must be 4 characters [0-9a-z], got ${JSON.stringify(id)}`);
  const c = INDEX_CHARS[index];
  if (c === undefined || index < 0)
    throw new Error(
      `at most ${MAX_PER_KIND} ${kind === 'b' ? 'segments' : kind === 't' ? 'VM NICs' : 'host NICs'} per lab`,
    );
  return `pillars-${id}-${kind}${c}`;
}

export const bridgeName = (id: string, index: number): string => ifname(id, 'b', index);
export const tapName = (id: string, index: number): string => ifname(id, 't', index);
export const vethName = (id: string, index: number): string => ifname(id, 'v', index);

/** Fixed VM NIC MAC: 52:54:00:00:<vm>:<nic> (both 0-based), so configs can select nodes by MAC. */
export function vmMac(vmIndex: number, nicIndex: number): string {
  return `52:54:00:00:${hex2(vmIndex)}:${hex2(nicIndex)}`;
}

/** Host veth MAC (locally administered): 02:00:00:00:<host>:<nic>. */
export function hostMac(hostIndex: number, nicIndex: number): string {
  return `02:00:00:00:${hex2(hostIndex)}:${hex2(nicIndex)}`;
}

function hex2(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`index out of range for a MAC byte: ${n}`);
  return n.toString(16).padStart(2, '0');
}

function ipv4(address: string): Ip {
  const ip = parseIp(address);
  if (!ip || ip.family !== 4) throw new Error(`not an IPv4 address: ${address}`);
  return ip;
}

function formatIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 255n)).join('.');
}

/** A segment's network: IPv4 with a /8../30 prefix and no host bits (parsed by overlay/config/net.ts). */
export function labNetwork(cidr: string): Cidr {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4 || c.prefix < 8 || c.prefix > 30)
    throw new Error(`not an IPv4 network with a /8../30 prefix: ${cidr}`);
  if (network(c) !== c.value) throw new Error(`${cidr} has host bits set`);
  return c;
}

/** Address number `n` in a network ('192.0.2.0/24', 100 → '192.0.2.100'), checked to be a host address. */
export function hostAddress(cidr: string, n: number): string {
  const net = labNetwork(cidr);
  const size = 2 ** (32 - net.prefix);
  if (!Number.isInteger(n) || n < 1 || n > size - 2) throw new Error(`host number ${n} is not usable in ${cidr}`);
  return formatIPv4(net.value + BigInt(n));
}

export function inNetwork(address: string, cidr: string): boolean {
  return inSubnet(ipv4(address), labNetwork(cidr));
}

/** Plan a lab: validate the spec, name everything, allocate addresses and list the setup commands. */
export function planLab(spec: LabSpec, id: string): LabPlan {
  const netns = labNetns(id);
  if (spec.segments.length === 0) throw new Error('a lab needs at least one segment');
  const segments: PlannedSegment[] = spec.segments.map((s, index) => {
    if (!/^[a-z][a-z0-9]{0,15}$/.test(s.name))
      throw new Error(`segment name must be [a-z][a-z0-9]{0,15}: ${JSON.stringify(s.name)}`);
    const cidr = s.cidr === undefined ? (DEFAULT_SEGMENT_CIDRS[s.name] ?? null) : s.cidr;
    return {
      name: s.name,
      index,
      bridge: bridgeName(id, index),
      cidr,
      prefixLength: cidr ? labNetwork(cidr).prefix : null,
    };
  });
  const seen = new Set<string>();
  for (const s of segments) {
    if (seen.has(s.name)) throw new Error(`segment ${s.name} declared twice`);
    seen.add(s.name);
  }
  const segmentByName = new Map(segments.map((s) => [s.name, s]));

  const next = new Map<string, number>(segments.map((s) => [s.name, FIRST_HOST_NUMBER]));
  const used = new Set<string>();
  // Explicit addresses are reserved first so that allocation steps around them.
  for (const h of spec.hosts ?? []) for (const n of h.nics) if (n.address) used.add(n.address);
  let vethIndex = 0;
  const hostNames = new Set<string>();
  const hosts: PlannedHost[] = (spec.hosts ?? []).map((h, hostIndex) => {
    if (!/^[a-z][a-z0-9]{0,15}$/.test(h.name))
      throw new Error(`host name must be [a-z][a-z0-9]{0,15}: ${JSON.stringify(h.name)}`);
    if (hostNames.has(h.name)) throw new Error(`host ${h.name} declared twice`);
    hostNames.add(h.name);
    if (h.nics.length === 0) throw new Error(`host ${h.name} has no NIC`);
    const nics = h.nics.map((n, nicIndex): PlannedHostNic => {
      const seg = segmentByName.get(n.segment);
      if (!seg) throw new Error(`host ${h.name}: no segment named ${n.segment}`);
      let address: string | null = null;
      if (n.address) {
        if (!seg.cidr) throw new Error(`host ${h.name}: segment ${seg.name} has no network for address ${n.address}`);
        if (!inNetwork(n.address, seg.cidr))
          throw new Error(`host ${h.name}: ${n.address} is not in ${seg.name} (${seg.cidr})`);
        address = n.address;
      } else if (seg.cidr) {
        for (let k = 0; k < 1024 && address === null; k++) {
          const num = next.get(seg.name)!;
          next.set(seg.name, num + 1);
          const candidate = hostAddress(seg.cidr, num);
          if (!used.has(candidate)) address = candidate;
        }
        if (address === null) throw new Error(`segment ${seg.name}: no free host address`);
      }
      if (address) used.add(address);
      return {
        segment: seg.name,
        labIf: vethName(id, vethIndex++),
        ifname: `eth${nicIndex}`,
        address,
        prefixLength: seg.prefixLength,
        mac: hostMac(hostIndex, nicIndex),
      };
    });
    if (h.gateway) {
      const ok = nics.some(
        (n) => segmentByName.get(n.segment)?.cidr && inNetwork(h.gateway!, segmentByName.get(n.segment)!.cidr!),
      );
      if (!ok) throw new Error(`host ${h.name}: gateway ${h.gateway} is on none of its segments`);
    }
    return { name: h.name, netns: hostNetns(id, h.name), nics, gateway: h.gateway ?? null };
  });

  return { id, netns, segments, hosts, setup: setupCommands(netns, segments, hosts) };
}

const ipn = (ns: string, ...args: string[]): Cmd => ({ cmd: 'ip', args: ['-n', ns, ...args] });

function setupCommands(netns: string, segments: readonly PlannedSegment[], hosts: readonly PlannedHost[]): Cmd[] {
  const cmds: Cmd[] = [{ cmd: 'ip', args: ['netns', 'add', netns] }, ipn(netns, 'link', 'set', 'lo', 'up')];
  for (const s of segments) {
    // No STP and no forwarding delay: a port forwards the moment it is up. No multicast snooping:
    // VRRP adverts and the like are flooded to every port.
    cmds.push(
      ipn(
        netns,
        'link',
        'add',
        'name',
        s.bridge,
        'type',
        'bridge',
        'stp_state',
        '0',
        'forward_delay',
        '0',
        'mcast_snooping',
        '0',
      ),
    );
    cmds.push(ipn(netns, 'link', 'set', s.bridge, 'up'));
  }
  for (const h of hosts) {
    cmds.push({ cmd: 'ip', args: ['netns', 'add', h.netns] }, ipn(h.netns, 'link', 'set', 'lo', 'up'));
    for (const n of h.nics) {
      const bridge = segments.find((s) => s.name === n.segment)!.bridge;
      // Both ends are born in the lab namespace; the peer moves into the host namespace at once.
      cmds.push(
        ipn(
          netns,
          'link',
          'add',
          n.labIf,
          'type',
          'veth',
          'peer',
          'name',
          n.ifname,
          'address',
          n.mac,
          'netns',
          h.netns,
        ),
      );
      cmds.push(ipn(netns, 'link', 'set', n.labIf, 'master', bridge, 'up'));
      if (n.address) cmds.push(ipn(h.netns, 'addr', 'add', `${n.address}/${n.prefixLength}`, 'dev', n.ifname));
      cmds.push(ipn(h.netns, 'link', 'set', n.ifname, 'up'));
    }
    if (h.gateway) cmds.push(ipn(h.netns, 'route', 'add', 'default', 'via', h.gateway));
  }
  return cmds;
}

/** Commands that create the taps for one VM's NICs and plug them into their bridges. */
export function tapCommands(plan: LabPlan, taps: ReadonlyArray<{ tap: string; segment: string }>): Cmd[] {
  const cmds: Cmd[] = [];
  for (const t of taps) {
    const seg = plan.segments.find((s) => s.name === t.segment);
    if (!seg) throw new Error(`no segment named ${t.segment} (have: ${plan.segments.map((s) => s.name).join(', ')})`);
    cmds.push(ipn(plan.netns, 'tuntap', 'add', 'dev', t.tap, 'mode', 'tap'));
    cmds.push(ipn(plan.netns, 'link', 'set', t.tap, 'master', seg.bridge, 'up'));
  }
  return cmds;
}

/**
 * Teardown: host namespaces, then the lab namespace. Deleting a namespace destroys the bridges,
 * taps and veths inside it (once no process holds it, which is why processes are killed first).
 */
export function teardownCommands(plan: Pick<LabPlan, 'netns' | 'hosts'>): Cmd[] {
  return [
    ...plan.hosts.map((h) => ({ cmd: 'ip', args: ['netns', 'delete', h.netns] })),
    { cmd: 'ip', args: ['netns', 'delete', plan.netns] },
  ];
}

/** The nftables table (bridge family, in the lab namespace) that implements partitions. */
export function partitionTable(id: string): string {
  return `pillars_${id}`;
}

/**
 * The whole partition ruleset for a set of cut tap pairs: frames between the two taps of a pair
 * are dropped in both directions (unicast and flooded alike: the bridge forward hook runs once per
 * egress port). Replacing the table atomically heals and cuts in one step.
 */
export function partitionRuleset(id: string, cuts: ReadonlyArray<readonly [string, string]>): string {
  const table = partitionTable(id);
  const lines = [
    `table bridge ${table}`,
    `delete table bridge ${table}`,
    `table bridge ${table} {`,
    '\tchain forward {',
    '\t\ttype filter hook forward priority 0; policy accept;',
  ];
  for (const [a, b] of cuts) {
    lines.push(`\t\tiifname "${a}" oifname "${b}" drop`);
    lines.push(`\t\tiifname "${b}" oifname "${a}" drop`);
  }
  lines.push('\t}', '}', '');
  return lines.join('\n');
}

export function partitionCommand(
  plan: Pick<LabPlan, 'id' | 'netns'>,
  cuts: ReadonlyArray<readonly [string, string]>,
): Cmd {
  return { cmd: 'ip', args: ['netns', 'exec', plan.netns, 'nft', '-f', '-'], input: partitionRuleset(plan.id, cuts) };
}
