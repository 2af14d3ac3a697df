/**
 * The network role: NICs renamed by MAC to their logical names, MTU, VLANs, addresses, routes and
 * sysctls for this node. Rendered as one POSIX shell script of `ip` commands (run by a oneshot
 * service), so what will be done is a file an admin can read, and `sh -n` checks it. The script is
 * idempotent: running it again (reload) converges to the same state. A long-running `netmon`
 * service logs every link and address change into the supervisor's log ring.
 */
import type { PillarsConfig, NodeConfig } from '../../config/index.js';
import { defineService } from '../../service/index.js';
import type { Role, RoleContext } from '../role.js';

const quote = (s: string) => (/^[A-Za-z0-9_.:\/@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

interface Link {
  name: string;
  mac?: string;
  mtu: number;
  vlan?: { parent: string; id: number };
  addresses: string[];
}

/** The node's logical interfaces: physical ones (by MAC) first, then VLANs, in config order. */
export function nodeLinks(config: PillarsConfig, node: NodeConfig): Link[] {
  const links: Link[] = Object.entries(node.interfaces).map(([name, ifc]) => {
    const shared = config.interfaces[name];
    return {
      name,
      ...(ifc.mac ? { mac: ifc.mac.toLowerCase() } : {}),
      mtu: shared?.mtu ?? 1500,
      ...(shared?.vlan ? { vlan: { parent: shared.vlan.parent, id: shared.vlan.id } } : {}),
      addresses: [...ifc.addresses],
    };
  });
  return [...links.filter((l) => !l.vlan), ...links.filter((l) => l.vlan)];
}

export function networkSysctls(config: PillarsConfig, node: NodeConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...config.sysctl, ...(node.sysctl ?? {}) })) out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return out;
}

export function renderNetworkScript(config: PillarsConfig, nodeName: string, node: NodeConfig): string {
  const links = nodeLinks(config, node);
  const phys = links.filter((l) => l.mac);
  const vlans = links.filter((l) => l.vlan);
  const L: string[] = [
    '#!/bin/sh',
    `# pillars network for node ${nodeName} (rendered from pillars.yaml; do not edit)`,
    'set -eu',
    'find_nic() {',
    '\tfor d in /sys/class/net/*; do',
    '\t\tread -r a < "$d/address" || continue',
    '\t\tif [ "$a" = "$1" ]; then echo "${d##*/}"; return 0; fi',
    '\tdone',
    '\treturn 1',
    '}',
    'ip link set dev lo up',
  ];
  if (phys.length > 0) {
    L.push('', '# 1. every NIC whose name is not yet its logical name goes down under a temporary name');
    phys.forEach((l, i) => {
      L.push(
        `n=$(find_nic ${l.mac}) || { echo "${l.name}: no NIC with MAC ${l.mac}" >&2; exit 1; }`,
        `if [ "$n" != ${quote(l.name)} ]; then ip link set dev "$n" down; ip link set dev "$n" name pl-rename${i}; fi`,
      );
    });
    L.push('', '# 2. temporary names become logical names (two steps, so names can be swapped)');
    phys.forEach((l, i) => L.push(`if [ -e /sys/class/net/pl-rename${i} ]; then ip link set dev pl-rename${i} name ${quote(l.name)}; fi`));
  }
  L.push('', '# 3. links up, VLANs, addresses');
  for (const l of phys) L.push(`ip link set dev ${quote(l.name)} mtu ${l.mtu} up`);
  if (vlans.length > 0) L.push('modprobe -q 8021q || true');
  for (const l of vlans) {
    L.push(
      `[ -e /sys/class/net/${quote(l.name)} ] || ip link add link ${quote(l.vlan!.parent)} name ${quote(l.name)} type vlan id ${l.vlan!.id}`,
      `ip link set dev ${quote(l.name)} mtu ${l.mtu} up`,
    );
  }
  for (const l of links) for (const a of l.addresses) L.push(`ip addr replace ${quote(a)} dev ${quote(l.name)}`);
  const routes = [...config.routes, ...(node.routes ?? [])];
  if (routes.length > 0) {
    L.push('', '# 4. routes');
    for (const r of routes) {
      const parts = ['ip route replace', quote(r.to)];
      if (r.via) parts.push('via', quote(r.via));
      if (r.interface) parts.push('dev', quote(r.interface));
      if (r.metric !== undefined) parts.push('metric', String(r.metric));
      L.push(parts.join(' '));
    }
  }
  L.push('', `echo "network: ${links.map((l) => l.name).join(' ')} configured"`, '');
  return L.join('\n');
}

export const networkRole: Role = {
  name: 'network',
  after: [],
  render: (ctx: RoleContext) => [{ path: `${ctx.etcDir}/network.sh`, content: renderNetworkScript(ctx.config, ctx.nodeName, ctx.node), mode: 0o755 }],
  checks: (ctx: RoleContext) => [{ what: 'network.sh', command: ['/usr/bin/busybox', 'sh', '-n', `${ctx.etcDir}/network.sh`] }],
  sysctls: (ctx: RoleContext) => networkSysctls(ctx.config, ctx.node),
  services: (ctx: RoleContext) => [
    defineService({
      name: 'network',
      type: 'oneshot',
      command: ['/usr/bin/busybox', 'sh', `${ctx.etcDir}/network.sh`],
      description: 'interfaces, addresses and routes',
      readiness: { kind: 'none', timeoutMs: 30_000 },
      killGraceMs: 2000,
    }),
    defineService({
      name: 'netmon',
      command: ['ip', '-o', '-ts', 'monitor', 'link', 'address', 'route'],
      dependsOn: ['network'],
      description: 'link and address changes (log)',
      killGraceMs: 1000,
    }),
  ],
};
