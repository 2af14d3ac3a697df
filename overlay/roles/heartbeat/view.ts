/**
 * The heartbeat files as data: ha.cf directives, haresources lines and authkeys entries, each a
 * directive name and its words, built from the validated config. Pure. The templates print the
 * words through the ha escaper, so a word can never become two.
 */
import { hostnameOf, nodeNets, parseCidr, type PillarsConfig } from '../../config/index.js';
import { parseResourceLine } from '../../config/haresources.js';
import { parseIp } from '../../config/net.js';
import type { HeartbeatConfig, HeartbeatGroup } from '../../config/model.js';

export interface Directive {
  key: string;
  args: string[];
  /** A comment line printed above the directive. */
  note?: string;
}

export interface HaResourcesLine {
  /** Group name (structured groups) or "line <n>" (classic lines). */
  name: string;
  node: string;
  resources: string[];
}

export interface HeartbeatView {
  haCf: Directive[];
  haresources: HaResourcesLine[];
  authkeys: { active: number; keys: { id: number; method: string; key?: string }[] };
}

/** heartbeat's time syntax: whole seconds as a bare number, anything else in ms. */
export function haTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

/** The resource script (last in every line) that reports a group's acquire/release to the supervisor. */
export const EVENT_RESOURCE = 'PillarsEvent';
export const DOPD = '/usr/libexec/heartbeat/dopd';
export const IPFAIL = '/usr/libexec/heartbeat/ipfail';
/** The lab's power controller plugin (shipped in the image). */
export const LAB_STONITH_PLUGIN = 'external/pillars-lab';

function hostOf(config: PillarsConfig, node: string): string {
  const n = config.nodes[node];
  return n ? hostnameOf(node, n) : node;
}

/** The IPv4 address of each node on a logical interface (ucast peers, DRBD peers). */
export function nodeAddresses(
  config: PillarsConfig,
  ifname: string,
): { node: string; host: string; address: string }[] {
  return Object.entries(config.nodes).flatMap(([name, node]) => {
    const address = (node.interfaces[ifname]?.addresses ?? [])
      .map((a) => a.split('/')[0]!)
      .find((a) => parseIp(a)?.family === 4);
    return address ? [{ node: name, host: hostnameOf(name, node), address }] : [];
  });
}

function stonithArgs(config: PillarsConfig, d: NonNullable<PillarsConfig['fencing']>['devices'][number]): Directive[] {
  const hosts = d.nodes.map((n) => hostOf(config, n));
  // stonith_host <from-host|*> <type> <parameters in the plugin's order>
  switch (d.type) {
    case 'external/ipmi':
      return [
        {
          key: 'stonith_host',
          args: ['*', 'external/ipmi', hosts[0]!, d.address, d.login ?? '', d.password ?? '', d.interface],
        },
      ];
    case 'apcmaster':
      return [{ key: 'stonith_host', args: ['*', 'apcmaster', d.address, d.login ?? '', d.password ?? ''] }];
    case 'baytech':
      return [{ key: 'stonith_host', args: ['*', 'baytech', d.address, d.login ?? '', d.password ?? ''] }];
    case 'external/rackpdu':
      return [
        { key: 'stonith_host', args: ['*', 'external/rackpdu', hosts.join(','), d.login ?? 'private', d.address] },
      ];
    case 'lab':
      return [{ key: 'stonith_host', args: ['*', LAB_STONITH_PLUGIN, hosts.join(','), d.address] }];
  }
}

function groupLine(config: PillarsConfig, g: HeartbeatGroup): HaResourcesLine {
  const res: string[] = [];
  for (const a of g.addresses) {
    let cidr = a.address;
    if (!cidr.includes('/')) {
      const ip = parseCidr(a.address, true);
      const node = config.nodes[g.node];
      const net = node && ip ? nodeNets(node, a.interface).find((n) => n.family === ip.family) : undefined;
      cidr = `${a.address}/${net?.prefix ?? (ip?.family === 6 ? 128 : 32)}`;
    }
    res.push(`IPaddr2::${cidr}/${a.interface}`);
  }
  const drbd = config.drbd;
  if (g.drbd && drbd) res.push(`drbddisk::${drbd.resource}`);
  if (g.filesystem) {
    const fs = g.filesystem;
    const device = fs.device ?? (drbd ? `/dev/drbd${drbd.minor}` : '');
    res.push(['Filesystem', device, fs.mountpoint, fs.fstype, ...(fs.options ? [fs.options] : [])].join('::'));
  }
  res.push(...g.services);
  if (g.mail) res.push(['MailTo', g.mail.to.join(','), ...(g.mail.subject ? [g.mail.subject] : [])].join('::'));
  res.push(`${EVENT_RESOURCE}::${g.name}`);
  return { name: g.name, node: hostOf(config, g.node), resources: res };
}

function classicLine(config: PillarsConfig, text: string, i: number): HaResourcesLine {
  // Kept as written; a bare address (or IPaddr::address) without an interface: IPaddr finds the interface by subnet.
  const line = parseResourceLine(text)!;
  const name = `line${i + 1}`;
  return {
    name,
    node: config.nodes[line.node] ? hostOf(config, line.node) : line.node,
    resources: [...line.resources.map((r) => r.text), `${EVENT_RESOURCE}::${name}`],
  };
}

export function heartbeatView(config: PillarsConfig): HeartbeatView {
  const hb: HeartbeatConfig = config.heartbeat!;
  const d: Directive[] = [];
  // Logging goes to the console the supervisor captures; no logd.
  d.push(
    { key: 'use_logd', args: ['no'] },
    { key: 'logfile', args: ['/dev/stderr'] },
    { key: 'debugfile', args: ['/dev/null'] },
  );
  d.push(
    { key: 'keepalive', args: [haTime(hb.keepalive)] },
    { key: 'warntime', args: [haTime(hb.warntime)] },
    { key: 'deadtime', args: [haTime(hb.deadtime)] },
    { key: 'initdead', args: [haTime(hb.initdead)] },
  );
  d.push({ key: 'udpport', args: [String(hb.udpport)] });
  const serials = hb.links.filter((l) => l.type === 'serial');
  if (serials.length > 0) d.push({ key: 'baud', args: [String(serials[0]!.baud)] });
  for (const l of hb.links) {
    switch (l.type) {
      case 'bcast':
        d.push({ key: 'bcast', args: [l.interface] });
        break;
      case 'mcast':
        d.push({ key: 'mcast', args: [l.interface, l.group, String(hb.udpport), String(l.ttl), '0'] });
        break;
      case 'ucast':
        // Identical on both nodes: heartbeat ignores a ucast to its own address.
        for (const peer of nodeAddresses(config, l.interface))
          d.push({ key: 'ucast', args: [l.interface, peer.address] });
        break;
      case 'serial':
        d.push({ key: 'serial', args: [l.device] });
        break;
    }
  }
  if (hb.watchdog) d.push({ key: 'watchdog', args: [hb.watchdog] });
  d.push({ key: 'auto_failback', args: [hb.auto_failback ? 'on' : 'off'] });
  for (const p of hb.ping_nodes) d.push({ key: 'ping', args: [p] });
  for (const [name, members] of Object.entries(hb.ping_groups)) d.push({ key: 'ping_group', args: [name, ...members] });
  if (hb.ipfail)
    d.push(
      { key: 'respawn', args: ['hacluster', IPFAIL] },
      { key: 'apiauth', args: ['ipfail', 'gid=haclient', 'uid=hacluster'] },
    );
  if (config.drbd) {
    // dopd: DRBD's outdate-peer daemon, so a secondary cut off from its primary is marked Outdated and never promoted.
    d.push(
      { key: 'respawn', args: ['hacluster', DOPD] },
      { key: 'apiauth', args: ['dopd', 'gid=haclient', 'uid=hacluster'] },
    );
  }
  for (const r of hb.respawn) d.push({ key: 'respawn', args: [r.user, ...r.command] });
  for (const dev of config.fencing?.devices ?? []) d.push(...stonithArgs(config, dev));
  for (const [name, node] of Object.entries(config.nodes)) d.push({ key: 'node', args: [hostnameOf(name, node)] });

  const ak = hb.authkeys;
  const keys =
    ak.keys.length > 0
      ? ak.keys.map((k) => ({ id: k.id, method: k.method, key: k.key }))
      : [{ id: 1, method: ak.method ?? 'sha1', key: ak.key }];
  return {
    haCf: d,
    haresources: [
      ...hb.groups.map((g) => groupLine(config, g)),
      ...hb.resources.map((t, i) => classicLine(config, t, i)),
    ],
    authkeys: { active: ak.keys.length > 0 ? (ak.active ?? keys[0]!.id) : 1, keys },
  };
}
