/**
 * Cross-field rules: what a single key's declaration cannot say (addresses in the right subnets,
 * uniqueness, references between sections). Runs only on a config whose keys all type-checked.
 */
import type { Path, RawIssue } from './decl.js';
import { CONSOLE_SERIAL, PROFILE_SECTIONS, type NodeConfig, type PillarsConfig } from './model.js';
import { ipResource, parseResourceLine } from './haresources.js';
import { bfdEnds, bfdPriorityProblem } from './bfd.js';
import { ROLE_SECTIONS } from '../roles/table.js';
import {
  formatIp,
  inSubnet,
  lastAddress,
  network,
  normalizeMac,
  parseCidr,
  parseIp,
  sameIp,
  type Cidr,
  type Ip,
} from './net.js';

type Node = NodeConfig;

/** `m[key]` for a key from the file: only own entries (`constructor` must not find Object's). */
export function own<T>(m: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

export function hostnameOf(name: string, node: Node): string {
  return node.hostname ?? name;
}

/**
 * Parsed addresses per node, computed once per node object: the rules ask for them for every
 * virtual and real server (30,000 times in a 10,000-server file). A cache of a pure function over
 * objects nobody changes (the config is frozen once checked); a WeakMap lets it go with them.
 */
const netsCache = new WeakMap<
  Node,
  { byIf: Map<string, readonly Cidr[]>; all: readonly { ifname: string; net: Cidr }[] }
>();

function netsOf(node: Node) {
  let n = netsCache.get(node);
  if (!n) {
    const byIf = new Map<string, readonly Cidr[]>();
    for (const ifname of Object.keys(node.interfaces))
      byIf.set(
        ifname,
        (own(node.interfaces, ifname)?.addresses ?? []).map((a) => parseCidr(a)).filter((c): c is Cidr => !!c),
      );
    n = { byIf, all: [...byIf].flatMap(([ifname, nets]) => nets.map((net) => ({ ifname, net }))) };
    netsCache.set(node, n);
  }
  return n;
}

/** The addresses (CIDR) of `node` on logical interface `ifname`. */
export function nodeNets(node: Node, ifname: string): readonly Cidr[] {
  return netsOf(node).byIf.get(ifname) ?? [];
}

function allNets(node: Node): readonly { ifname: string; net: Cidr }[] {
  return netsOf(node).all;
}

export function crossCheck(c: PillarsConfig): RawIssue[] {
  const issues: RawIssue[] = [];
  const add = (path: Path, message: string, at: RawIssue['at'] = 'value') => issues.push({ path, message, at });
  const nodes = Object.entries(c.nodes);
  const nodeNames = nodes.map(([n]) => n);

  // ---- profile ↔ sections
  const prof = PROFILE_SECTIONS[c.profile];
  for (const s of prof.needs)
    if (c[s as keyof PillarsConfig] === undefined) add([s], `required by profile ${c.profile}`, 'parent');
  for (const s of ROLE_SECTIONS) {
    if ((c as Record<string, unknown>)[s] !== undefined && !prof.allows.includes(s) && s !== 'admin')
      add(
        [s],
        `not used by profile ${c.profile} (it runs: ${prof.allows.filter((x) => x !== 'alerts' && x !== 'admin').join(', ')})`,
        'key',
      );
  }

  // ---- nodes
  if (nodes.length > 2) add(['nodes'], `at most 2 nodes (a pair), got ${nodes.length}`, 'key');
  const macs = new Map<string, string>();
  const addrs: { ip: Ip; where: string }[] = [];
  const hostnames = new Map<string, string>();
  for (const [name, node] of nodes) {
    const h = hostnameOf(name, node);
    const prevHost = hostnames.get(h);
    if (prevHost)
      add(
        ['nodes', name, 'hostname'],
        `hostname ${h} is also the hostname of node ${prevHost}`,
        node.hostname ? 'value' : 'key',
      );
    else hostnames.set(h, name);
    for (const [ifname, ifc] of Object.entries(node.interfaces)) {
      const shared = own(c.interfaces, ifname);
      const base = ['nodes', name, 'interfaces', ifname];
      if (shared?.vlan) {
        if (ifc.mac !== undefined)
          add(
            [...base, 'mac'],
            `a VLAN interface has no MAC of its own (it is VLAN ${shared.vlan.id} on ${shared.vlan.parent})`,
          );
        if (!own(node.interfaces, shared.vlan.parent))
          add([...base], `VLAN parent interface "${shared.vlan.parent}" is not defined on node ${name}`, 'key');
      } else if (ifc.mac === undefined) {
        add([...base, 'mac'], 'required (a physical interface is found by its MAC address)', 'parent');
      } else {
        const mac = normalizeMac(ifc.mac);
        const prev = macs.get(mac);
        if (prev) add([...base, 'mac'], `${ifc.mac} is also the MAC of ${prev}`);
        else macs.set(mac, `${name}.${ifname}`);
      }
      ifc.addresses.forEach((a, i) => {
        const cidr = parseCidr(a);
        if (!cidr) return;
        const dup = addrs.find((x) => sameIp(x.ip, cidr));
        if (dup) add([...base, 'addresses', i], `${a.split('/')[0]} is also an address of ${dup.where}`);
        else addrs.push({ ip: cidr, where: `${name}.${ifname}` });
      });
    }
    node.routes.forEach((r, i) => checkRoute(r, ['nodes', name, 'routes', i], [[name, node]]));
  }
  for (const ifname of Object.keys(c.interfaces)) {
    if (!nodes.some(([, n]) => own(n.interfaces, ifname)))
      add(['interfaces', ifname], `interface "${ifname}" is not defined on any node`, 'key');
    const vlan = own(c.interfaces, ifname)?.vlan;
    if (vlan && own(c.interfaces, vlan.parent)?.vlan)
      add(['interfaces', ifname, 'vlan', 'parent'], `"${vlan.parent}" is itself a VLAN`);
  }
  c.routes.forEach((r, i) => checkRoute(r, ['routes', i], nodes));

  function checkRoute(r: PillarsConfig['routes'][number], path: Path, on: [string, Node][]) {
    const to = r.to === 'default' ? undefined : parseCidr(r.to);
    if (r.to !== 'default' && !to)
      add([...path, 'to'], `must be "default" or a destination with prefix length, got ${JSON.stringify(r.to)}`);
    else if (to && network(to) !== to.value)
      add(
        [...path, 'to'],
        `${r.to} has host bits set (the network is ${formatIp({ family: to.family, value: network(to) })}/${to.prefix})`,
      );
    if (!r.via && !r.interface) add(path, 'needs via or interface');
    for (const [name, node] of on) {
      if (r.interface && !own(node.interfaces, r.interface))
        add([...path, 'interface'], `unknown interface "${r.interface}" on node ${name}`);
      const via = r.via ? parseIp(r.via) : undefined;
      if (via && !allNets(node).some((x) => inSubnet(via, x.net)))
        add([...path, 'via'], `${r.via} is not in a subnet of any interface of node ${name}`);
    }
  }

  /** Interface must exist on every node. */
  const needIf = (path: Path, ifname: string): boolean => {
    for (const [name, node] of nodes) {
      if (!own(node.interfaces, ifname)) {
        add(path, `unknown interface "${ifname}" on node ${name}`);
        return false;
      }
    }
    return true;
  };
  /** A VIP lies in a subnet of `ifname` on every node, and is nobody's own address. */
  const vipInSubnet = (path: Path, vip: string, ifname: string) => {
    const v = parseCidr(vip, true);
    if (!v) return;
    for (const [name, node] of nodes) {
      const nets = nodeNets(node, ifname);
      if (nets.some((n) => sameIp(n, v)))
        return add(path, `${vip} is the address of node ${name} on ${ifname}, not a virtual one`);
      const net = nets.find((n) => inSubnet(v, n));
      if (!net) return add(path, `${vip} is not in a subnet of interface ${ifname} on node ${name}`);
      // IPv4 subnets of 4 addresses or more have a network and a broadcast address nobody can hold.
      if (net.family === 4 && net.prefix <= 30) {
        const subnet = `${formatIp({ family: 4, value: network(net) })}/${net.prefix}`;
        if (v.value === network(net))
          return add(path, `${vip} is the network address of ${subnet} on ${ifname}, not a host address`);
        if (v.value === lastAddress(net))
          return add(path, `${vip} is the broadcast address of ${subnet} on ${ifname}, not a host address`);
      }
    }
  };
  const perNodeMap = (path: Path, m: Readonly<Record<string, number>>, what: string, plural: string) => {
    for (const k of Object.keys(m)) if (!own(c.nodes, k)) add([...path, k], `unknown node "${k}"`, 'key');
    for (const n of nodeNames) if (own(m, n) === undefined) add(path, `missing node ${n}`);
    const seen = new Map<number, string>();
    for (const [k, v] of Object.entries(m)) {
      const prev = seen.get(v);
      if (prev)
        add([...path, k], `same ${what} ${v} as node ${prev}; the nodes of an instance need distinct ${plural}`);
      else seen.set(v, k);
    }
  };
  const allVips = new Map<string, string>(); // ip text → owner description
  const noteVip = (path: Path, vip: string, owner: string) => {
    const v = parseCidr(vip, true);
    if (!v) return;
    const key = `${v.family}/${v.value}`;
    const prev = allVips.get(key);
    if (prev) add(path, `${vip.split('/')[0]} is already a VIP of ${prev}`);
    else allVips.set(key, owner);
  };
  const virtualMacs = new Map<string, string>(); // "ifname/id" → owner (VRRP and CARP share 00:00:5e:00:01:id)

  // ---- vrrp
  if (c.vrrp) {
    const v = c.vrrp;
    const names = new Map<string, number>();
    v.instances.forEach((inst, i) => {
      const p: Path = ['vrrp', 'instances', i];
      if (names.has(inst.name))
        add([...p, 'name'], `instance name ${inst.name} is already used by vrrp.instances[${names.get(inst.name)}]`);
      else names.set(inst.name, i);
      const ifOk = needIf([...p, 'interface'], inst.interface);
      const vm = `${inst.interface}/${inst.vrid}`;
      const prevMac = virtualMacs.get(vm);
      if (prevMac) add([...p, 'vrid'], `${inst.vrid} is already used on interface ${inst.interface} by ${prevMac}`);
      else virtualMacs.set(vm, `vrrp instance ${inst.name}`);
      perNodeMap([...p, 'priority'], inst.priority, 'priority', 'priorities');
      if (inst.version === 2 && inst.advert_int % 1000 !== 0)
        add([...p, 'advert_int'], `VRRPv2 needs whole seconds (a multiple of 1000 ms), got ${inst.advert_int}`);
      if (inst.version === 3 && inst.advert_int > 40950)
        add([...p, 'advert_int'], `VRRPv3 allows at most 40950 ms, got ${inst.advert_int}`);
      if (inst.auth && inst.version === 3)
        add([...p, 'auth'], 'authentication exists only in VRRPv2 (set version: 2 or remove auth)', 'key');
      // keepalived ignores preempt_delay under nopreempt: the admin meant one or the other.
      if (inst.nopreempt && inst.preempt_delay > 0)
        add(
          [...p, 'preempt_delay'],
          `has no effect with nopreempt: true (a node that never preempts has nothing to delay); remove one of them`,
        );
      inst.vips.forEach((vip, j) => {
        if (ifOk) vipInSubnet([...p, 'vips', j], vip, inst.interface);
        noteVip([...p, 'vips', j], vip, `vrrp instance ${inst.name}`);
      });
      inst.track_interfaces.forEach((t, j) => {
        // keepalived -t refuses it: the instance's own interface is tracked already.
        if (t === inst.interface)
          add(
            [...p, 'track_interfaces', j],
            `${t} is the instance's own interface, which it tracks already (keepalived refuses it here)`,
          );
        else needIf([...p, 'track_interfaces', j], t);
      });
      inst.track_scripts.forEach((t, j) => {
        if (!own(v.scripts, t)) add([...p, 'track_scripts', j], `unknown script "${t}" (define it under vrrp.scripts)`);
      });
    });
    const grouped = new Map<string, string>();
    v.sync_groups.forEach((g, i) => {
      g.instances.forEach((n, j) => {
        const path: Path = ['vrrp', 'sync_groups', i, 'instances', j];
        if (!names.has(n)) add(path, `unknown vrrp instance "${n}"`);
        else if (grouped.has(n)) add(path, `instance ${n} is already in sync group ${grouped.get(n)}`);
        else grouped.set(n, g.name);
      });
    });
    checkBfd(v);
  }

  /** vrrp.bfd: a session between the two nodes that some instance tracks, with a change that keeps the pair's order. */
  function checkBfd(v: NonNullable<PillarsConfig['vrrp']>) {
    const bfd = v.bfd;
    const tracking: { path: Path; inst: (typeof v.instances)[number] }[] = [];
    v.instances.forEach((inst, i) => {
      if (inst.track_bfd) tracking.push({ path: ['vrrp', 'instances', i, 'track_bfd'], inst });
    });
    v.sync_groups.forEach((g, i) => {
      if (!g.track_bfd) return;
      for (const n of g.instances) {
        const inst = v.instances.find((x) => x.name === n);
        if (inst && !inst.track_bfd) tracking.push({ path: ['vrrp', 'sync_groups', i, 'track_bfd'], inst });
      }
    });
    if (!bfd) {
      for (const t of tracking)
        add(t.path, 'there is no vrrp.bfd section to track (add one: the BFD session to the other node)');
      return;
    }
    if (tracking.length === 0)
      add(
        ['vrrp', 'bfd'],
        'no instance tracks the session: set track_bfd: true on an instance or a sync group (an untracked session changes nothing)',
        'key',
      );
    for (const t of tracking) {
      const problem = bfdPriorityProblem(t.inst, bfd.priority_change);
      if (problem) add(t.path, `instance ${t.inst.name}: ${problem}`);
    }
    if (bfd.interface !== undefined && !needIf(['vrrp', 'bfd', 'interface'], bfd.interface)) return;
    for (const name of nodeNames) {
      const r = bfdEnds(c, name);
      if (r.ok) continue;
      if (r.field === 'nodes') add(['vrrp', 'bfd'], r.message, 'key');
      else if (r.field === 'multihop') add(['vrrp', 'bfd', 'multihop'], r.message);
      else if (bfd.interface !== undefined) add(['vrrp', 'bfd', 'interface'], r.message);
      else add(['vrrp', 'bfd', 'interface'], r.message, 'parent');
      return;
    }
  }

  // ---- carp
  if (c.carp) {
    c.carp.instances.forEach((inst, i) => {
      const p: Path = ['carp', 'instances', i];
      const ifOk = needIf([...p, 'interface'], inst.interface);
      const vm = `${inst.interface}/${inst.vhid}`;
      const prev = virtualMacs.get(vm);
      if (prev)
        add(
          [...p, 'vhid'],
          `${inst.vhid} is already used on interface ${inst.interface} by ${prev} (same virtual MAC)`,
        );
      else virtualMacs.set(vm, `carp instance ${i}`);
      perNodeMap([...p, 'advskew'], inst.advskew, 'advskew', 'advskews');
      inst.vips.forEach((vip, j) => {
        if (ifOk) vipInSubnet([...p, 'vips', j], vip, inst.interface);
        noteVip([...p, 'vips', j], vip, `carp instance ${i}`);
      });
    });
  }

  // ---- heartbeat
  const hbVips: Ip[] = [];
  if (c.heartbeat) {
    const hb = c.heartbeat;
    const t = (ms: number) => `${ms} ms`;
    if (nodes.length !== 2) add(['heartbeat'], `needs exactly 2 nodes, got ${nodes.length}`, 'key');
    // heartbeat's own rules (ha.cf(5)): a peer is dead only after more than two missed keepalives.
    if (hb.deadtime <= 2 * hb.keepalive)
      add(
        ['heartbeat', 'deadtime'],
        `must be greater than 2 × keepalive (${t(2 * hb.keepalive)}), got ${t(hb.deadtime)}`,
      );
    else if (hb.warntime <= hb.keepalive || hb.warntime >= hb.deadtime)
      add(
        ['heartbeat', 'warntime'],
        `must be between keepalive (${t(hb.keepalive)}) and deadtime (${t(hb.deadtime)}), got ${t(hb.warntime)}`,
      );
    if (hb.initdead < hb.deadtime)
      add(['heartbeat', 'initdead'], `must be at least deadtime (${t(hb.deadtime)}), got ${t(hb.initdead)}`);
    const serials = new Map<string, number>();
    hb.links.forEach((l, i) => {
      const lp: Path = ['heartbeat', 'links', i];
      if (l.type === 'serial') {
        if (l.device === CONSOLE_SERIAL)
          add(
            [...lp, 'device'],
            `${CONSOLE_SERIAL} is the console (console=ttyS0) and the test channel; put the heartbeat cable on the second serial port, /dev/ttyS1`,
          );
        const prev = serials.get(l.device);
        if (prev !== undefined) add([...lp, 'device'], `${l.device} is already heartbeat.links[${prev}]`);
        else serials.set(l.device, i);
        return;
      }
      if (!needIf([...lp, 'interface'], l.interface)) return;
      if (l.type === 'ucast')
        for (const [name, node] of nodes)
          if (nodeNets(node, l.interface).length === 0)
            add([...lp, 'interface'], `node ${name} has no address on ${l.interface} for ucast`);
    });
    if (hb.ipfail && hb.ping_nodes.length === 0 && Object.keys(hb.ping_groups).length === 0)
      add(['heartbeat', 'ipfail'], 'needs ping_nodes or ping_groups (ipfail compares which node reaches more of them)');

    // ---- authkeys: one key (method + key) or several (keys + active)
    const ak = hb.authkeys;
    const akp: Path = ['heartbeat', 'authkeys'];
    const checkKey = (method: string, key: string | undefined, path: Path, at: RawIssue['at'] = 'value') => {
      if (method === 'crc') {
        if (key !== undefined) add(path, 'crc takes no key (use sha1 for a signed heartbeat)');
      } else if (key === undefined) add(path, `required for ${method}`, 'parent');
      else if (Buffer.byteLength(key) < 8 || Buffer.byteLength(key) > 128)
        add(path, `must be 8-128 bytes for ${method}, got ${Buffer.byteLength(key)}`, at);
      else if (/[\s#]/.test(key) || /^\s|\s$/.test(key))
        add(path, 'must not contain whitespace or # (authkeys reads the key as one word)');
    };
    if (ak.keys.length > 0) {
      if (ak.method !== undefined || ak.key !== undefined)
        add(
          [...akp, ak.method !== undefined ? 'method' : 'key'],
          'use either method + key (one key) or keys + active (several), not both',
          'key',
        );
      const ids = new Map<number, number>();
      ak.keys.forEach((k, i) => {
        const prev = ids.get(k.id);
        if (prev !== undefined) add([...akp, 'keys', i, 'id'], `key id ${k.id} is already authkeys.keys[${prev}]`);
        else ids.set(k.id, i);
        checkKey(k.method, k.key, [...akp, 'keys', i, 'key']);
      });
      if (ak.active === undefined)
        add(
          [...akp, 'active'],
          `required with keys: the id heartbeat signs with (one of ${[...ids.keys()].join(', ')})`,
          'parent',
        );
      else if (!ids.has(ak.active))
        add([...akp, 'active'], `no key with id ${ak.active} (ids: ${[...ids.keys()].join(', ')})`);
    } else {
      if (ak.active !== undefined) add([...akp, 'active'], 'only with keys (the single key is id 1)', 'key');
      if (ak.method === undefined)
        add([...akp, 'method'], 'required (sha1, md5 or crc), or give keys + active', 'parent');
      else checkKey(ak.method, ak.key, [...akp, 'key']);
    }

    // ---- resources: groups and classic lines
    const byHost = new Map(nodes.map(([n, node]) => [hostnameOf(n, node), n]));
    if (hb.groups.length === 0 && hb.resources.length === 0)
      add(['heartbeat'], 'needs groups or resources (what heartbeat moves between the nodes)', 'key');
    const groupNames = new Map<string, number>();
    const drbdUsers: Path[] = [];
    hb.groups.forEach((g, i) => {
      const gp: Path = ['heartbeat', 'groups', i];
      const prev = groupNames.get(g.name);
      if (prev !== undefined) add([...gp, 'name'], `group name ${g.name} is already heartbeat.groups[${prev}]`);
      else groupNames.set(g.name, i);
      if (!own(c.nodes, g.node)) add([...gp, 'node'], `unknown node "${g.node}"`);
      g.addresses.forEach((a, j) => {
        const ap: Path = [...gp, 'addresses', j];
        const v = parseCidr(a.address, true);
        if (v) hbVips.push(v);
        if (needIf([...ap, 'interface'], a.interface)) vipInSubnet([...ap, 'address'], a.address, a.interface);
        noteVip([...ap, 'address'], a.address, `heartbeat group ${g.name}`);
      });
      if (g.drbd) {
        drbdUsers.push([...gp, 'drbd']);
        if (!c.drbd) add([...gp, 'drbd'], 'needs the drbd section (which resource to make primary)');
      }
      if (g.filesystem && g.filesystem.device === undefined && !g.drbd)
        add([...gp, 'filesystem'], 'needs a device (or drbd: true to mount the DRBD device)', 'parent');
      if (g.mail && !c.alerts)
        add([...gp, 'mail'], 'needs the alerts section (the SMTP relay MailTo sends through)', 'key');
      if (g.addresses.length === 0 && !g.drbd && !g.filesystem && g.services.length === 0 && !g.mail)
        add(gp, 'an empty group: give addresses, drbd, filesystem or services');
    });
    hb.resources.forEach((text, i) => {
      const path: Path = ['heartbeat', 'resources', i];
      const line = parseResourceLine(text);
      if (!line) return;
      if (!own(c.nodes, line.node) && !byHost.has(line.node))
        add(path, `unknown node "${line.node}" (the first word is the preferred node)`);
      for (const r of line.resources) {
        if (r.name === 'drbddisk') {
          drbdUsers.push(path);
          if (c.drbd && r.args[0] !== undefined && r.args[0] !== c.drbd.resource)
            add(path, `drbddisk::${r.args[0]} names no drbd resource (drbd.resource is ${c.drbd.resource})`);
        }
        const ipr = ipResource(r);
        if (ipr === undefined) continue;
        if (ipr === 'unreadable') {
          add(path, `cannot read address resource "${r.text}" (IPaddr::address/prefix/interface)`);
          continue;
        }
        hbVips.push(ipr.ip);
        const vipText = ipr.address + (ipr.prefix !== undefined ? `/${ipr.prefix}` : '');
        if (ipr.interface) {
          if (needIf(path, ipr.interface)) vipInSubnet(path, vipText, ipr.interface);
        } else {
          for (const [name, node] of nodes)
            if (!allNets(node).some((x) => inSubnet(ipr.ip, x.net)))
              add(path, `${ipr.address} is not in a subnet of any interface of node ${name}`);
        }
        noteVip(path, vipText, `heartbeat resource line ${i + 1}`);
      }
    });
    if (c.drbd && drbdUsers.length === 0)
      add(['drbd'], 'no heartbeat group uses it (set drbd: true on the group that mounts it)', 'key');
    if (c.fencing) {
      c.fencing.devices.forEach((d, i) => {
        const dp: Path = ['fencing', 'devices', i];
        d.nodes.forEach((n, j) => {
          if (!own(c.nodes, n)) add([...dp, 'nodes', j], `unknown node "${n}"`);
        });
        if (d.type === 'external/ipmi' && d.nodes.length !== 1)
          add([...dp, 'nodes'], 'an IPMI BMC powers exactly one node (give one device per node)');
        if (d.type !== 'lab' && d.password === undefined && d.type !== 'external/rackpdu')
          add([...dp, 'password'], `required for ${d.type}`, 'parent');
        if ((d.type === 'external/ipmi' || d.type === 'apcmaster' || d.type === 'baytech') && d.login === undefined)
          add([...dp, 'login'], `required for ${d.type}`, 'parent');
      });
      const fenced = new Set(c.fencing.devices.flatMap((d) => d.nodes));
      for (const n of nodeNames)
        if (!fenced.has(n)) add(['fencing', 'devices'], `no device powers node ${n}: its peer could not fence it`);
    }
  } else {
    if (c.drbd) add(['drbd'], 'needs the heartbeat section (heartbeat decides which node is primary)', 'key');
    if (c.fencing)
      add(['fencing'], 'needs the heartbeat section (heartbeat fences the peer before taking over)', 'key');
  }

  // ---- drbd
  if (c.drbd) {
    const d = c.drbd;
    if (needIf(['drbd', 'interface'], d.interface))
      for (const [name, node] of nodes)
        if (!nodeNets(node, d.interface).some((n) => n.family === 4))
          add(['drbd', 'interface'], `node ${name} has no IPv4 address on ${d.interface} for the replication link`);
  }

  // ---- statesync
  if (c.statesync) {
    const s = c.statesync;
    if (needIf(['statesync', 'interface'], s.interface))
      for (const [name, node] of nodes)
        if (nodeNets(node, s.interface).length === 0)
          add(['statesync', 'interface'], `node ${name} has no address on ${s.interface}`);
  }

  // ---- firewall
  if (c.firewall) {
    const fw = c.firewall;
    for (const [z, zone] of Object.entries(fw.zones))
      zone.interfaces.forEach((ifn, j) => needIf(['firewall', 'zones', z, 'interfaces', j], ifn));
    fw.rules.forEach((r, i) => {
      for (const end of ['from', 'to'] as const) {
        if (r[end] !== 'self' && !own(fw.zones, r[end])) add(['firewall', 'rules', i, end], `unknown zone "${r[end]}"`);
      }
      if (r.ports.length > 0 && r.protocol !== 'tcp' && r.protocol !== 'udp')
        add(['firewall', 'rules', i, 'ports'], `ports need protocol tcp or udp, got ${r.protocol}`, 'key');
      if (r.from === 'self' && r.to === 'self')
        add(
          ['firewall', 'rules', i, 'to'],
          'from self to self is loopback, which always passes; name a zone on one side',
        );
    });
    fw.marks.forEach((m, i) => {
      if (m.ports.length > 0 && m.protocol === 'any')
        add(['firewall', 'marks', i, 'ports'], 'ports need protocol tcp or udp', 'key');
    });
    if (c.director)
      c.director.virtual_servers.forEach((vs, i) => {
        if (vs.fwmark !== undefined && !fw.marks.some((m) => m.mark === vs.fwmark))
          add(
            ['director', 'virtual_servers', i, 'fwmark'],
            `nothing sets firewall mark ${vs.fwmark}: add a firewall.marks entry with mark ${vs.fwmark} for the service's addresses and ports`,
          );
      });
    fw.masquerade.forEach((m, i) => needIf(['firewall', 'masquerade', i, 'out'], m.out));
    fw.port_forwards.forEach((m, i) => needIf(['firewall', 'port_forwards', i, 'in'], m.in));
  }

  // ---- director
  if (c.director) {
    const seen = new Map<string, number>();
    c.director.virtual_servers.forEach((vs, i) => {
      const p: Path = ['director', 'virtual_servers', i];
      let id: string;
      if (vs.fwmark !== undefined) {
        if (vs.vip !== undefined)
          add([...p, 'vip'], 'vip and fwmark exclude each other (a fwmark service matches marked packets)', 'key');
        if (vs.port !== undefined) add([...p, 'port'], 'port and fwmark exclude each other', 'key');
        id = `fwmark ${vs.fwmark}`;
      } else {
        if (vs.vip === undefined || vs.port === undefined) {
          add(p, 'needs vip and port, or fwmark');
          return;
        }
        id = `${vs.vip}:${vs.port}/${vs.protocol}`;
        if (vs.port === 0 && !vs.persistence) add([...p, 'port'], 'port 0 (all ports) needs persistence');
        const vip = parseIp(vs.vip);
        if (vip && (c.vrrp || c.carp || c.heartbeat)) {
          const held = [...allVips.keys()].includes(`${vip.family}/${vip.value}`) || hbVips.some((h) => sameIp(h, vip));
          if (!held) add([...p, 'vip'], `${vs.vip} is not a VIP of any vrrp, carp or heartbeat resource`);
        } else if (vip && !addrs.some((a) => sameIp(a.ip, vip))) {
          add([...p, 'vip'], `${vs.vip} is not an address of any node`);
        }
      }
      const prev = seen.get(id);
      if (prev !== undefined) add(p, `${id} is already director.virtual_servers[${prev}]`);
      else seen.set(id, i);
      if (vs.check) checkCheck(vs.check, [...p, 'check']);
      const rsSeen = new Set<string>();
      vs.real_servers.forEach((rs, j) => {
        const rp: Path = [...p, 'real_servers', j];
        const method = rs.forwarding ?? vs.forwarding;
        const port = rs.port ?? vs.port;
        const key = `${rs.address}:${port}`;
        if (rsSeen.has(key)) add([...rp, 'address'], `${key} is listed twice`);
        rsSeen.add(key);
        if (method !== 'nat' && rs.port !== undefined && vs.port !== undefined && rs.port !== vs.port)
          add(
            [...rp, 'port'],
            `${method} forwarding cannot change the port (virtual server port ${vs.port}, got ${rs.port})`,
          );
        const ip = parseIp(rs.address);
        const vsVip = vs.vip !== undefined ? parseIp(vs.vip) : undefined;
        const director = ip && addrs.find((a) => sameIp(a.ip, ip));
        if (ip && vsVip && sameIp(ip, vsVip))
          add([...rp, 'address'], `${rs.address} is the virtual address itself (a real server is another host)`);
        else if (director)
          add(
            [...rp, 'address'],
            `${rs.address} is an address of the director itself (${director.where}); a real server is another host`,
          );
        else if (ip && method !== 'tun') {
          for (const [name, node] of nodes) {
            if (!allNets(node).some((x) => inSubnet(ip, x.net))) {
              add(
                [...rp, 'address'],
                `${rs.address} is not in a subnet of node ${name} (${method} needs the real servers on a network of the director)`,
              );
              break;
            }
          }
        }
        if (rs.check) checkCheck(rs.check, [...rp, 'check']);
      });
    });
  }

  // ---- admin: SSH only with keys, and only where the config says
  const admin = c.admin;
  if (admin.ssh_authorized_keys.length > 0 && admin.ssh_listen.length === 0)
    add(
      ['admin', 'ssh_listen'],
      'say where SSH listens (e.g. ["192.0.2.2:22"]) — it never listens everywhere by default',
      'parent',
    );
  if (admin.ssh_listen.length > 0 && admin.ssh_authorized_keys.length === 0)
    add(['admin', 'ssh_listen'], 'no ssh_authorized_keys: SSH would let nobody in', 'key');
  if (admin.cluster && needIf(['admin', 'cluster', 'interface'], admin.cluster.interface))
    for (const [name, node] of nodes)
      if (nodeNets(node, admin.cluster.interface).length === 0)
        add(['admin', 'cluster', 'interface'], `node ${name} has no address on ${admin.cluster.interface}`);
  // A watchdog device opens for one process at a time: the supervisor and heartbeat would fight
  // over it (whichever opens second fails, and /dev/watchdog is also /dev/watchdog0).
  if (admin.watchdog && c.heartbeat?.watchdog !== undefined)
    add(
      ['admin', 'watchdog'],
      `heartbeat.watchdog (${c.heartbeat.watchdog}) already feeds a watchdog, and a watchdog device opens for one process only: keep one of the two (admin.watchdog also stops its feed while heartbeat is down)`,
      'key',
    );

  function checkCheck(
    ch: NonNullable<NonNullable<PillarsConfig['director']>['virtual_servers'][number]['check']>,
    path: Path,
  ) {
    if (ch.type === 'HTTP_GET' || ch.type === 'SSL_GET')
      ch.urls.forEach((u, k) => {
        if (u.digest === undefined && u.status_code === undefined)
          add([...path, 'urls', k], 'needs digest or status_code');
      });
  }

  return issues;
}
