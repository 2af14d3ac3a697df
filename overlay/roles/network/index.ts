/**
 * The network role: NICs renamed by MAC to their logical names, MTU, VLANs, addresses, routes and
 * sysctls for this node. Rendered as one POSIX shell script that feeds its `ip` commands to one
 * `ip -batch` (run by a oneshot service), so what will be done is a file an admin can read, and
 * `sh -n` checks it. The script is idempotent: running it again (reload) converges to the same
 * state. A long-running `netmon` service logs every link and address change into the supervisor's
 * log ring.
 */
import type { PillarsConfig, NodeConfig } from '../../config/index.js';
import { defineService } from '../../service/index.js';
import type { Role, RoleContext } from '../role.js';
import { compileTemplate, RenderRefused } from '../../templates/escape.js';
import template from '../../templates/network.sh.ejs';

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
  for (const [k, v] of Object.entries({ ...config.sysctl, ...(node.sysctl ?? {}) }))
    out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return out;
}

const networkScript = compileTemplate<{
  nodeName: string;
  phys: Link[];
  vlans: Link[];
  links: Link[];
  routes: PillarsConfig['routes'];
}>(template, 'shell', ['nodeName', 'phys', 'vlans', 'links', 'routes']);

/**
 * A value the script echoes into `ip -batch`: ip splits its lines at whitespace, reads quotes and
 * backslashes, and `#` starts a comment, so a value holding any of them would change the command
 * (after the shell's quoting, which only protects the shell). The validator refuses such names and
 * addresses first; this is the second wall.
 */
function batchToken(v: string | number): void {
  const s = String(v);
  if (!/^[^\s"'\\#]+$/.test(s))
    throw new RenderRefused('shell', s, 'an ip command argument cannot hold whitespace, quotes, backslashes or #');
}

/** The node's network as a shell script (overlay/templates/network.sh.ejs; every value shell-quoted). */
export function renderNetworkScript(config: PillarsConfig, nodeName: string, node: NodeConfig): string {
  const links = nodeLinks(config, node);
  const routes = [...config.routes, ...(node.routes ?? [])];
  for (const l of links)
    [l.name, l.mtu, ...(l.vlan ? [l.vlan.parent, l.vlan.id] : []), ...l.addresses].forEach(batchToken);
  for (const r of routes)
    [
      r.to,
      ...(r.via ? [r.via] : []),
      ...(r.interface ? [r.interface] : []),
      ...(r.metric !== undefined ? [r.metric] : []),
    ].forEach(batchToken);
  return networkScript({
    nodeName,
    phys: links.filter((l) => l.mac),
    vlans: links.filter((l) => l.vlan),
    links,
    routes,
  });
}

export const networkRole: Role = {
  name: 'network',
  after: [],
  render: (ctx: RoleContext) => [
    { path: `${ctx.etcDir}/network.sh`, content: renderNetworkScript(ctx.config, ctx.nodeName, ctx.node), mode: 0o755 },
  ],
  checks: (ctx: RoleContext) => [
    { what: 'network.sh', command: ['/usr/bin/busybox', 'sh', '-n', `${ctx.etcDir}/network.sh`] },
  ],
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
      reads: [],
      description: 'link and address changes (log)',
      killGraceMs: 1000,
    }),
  ],
};
