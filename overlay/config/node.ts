/** Which node of the pair is this box? Found by its NIC MAC addresses; pillars.node=NAME overrides. */
import type { NodeConfig, PillarsConfig } from './model.js';
import { normalizeMac } from './net.js';

export type NodeSelection = { ok: true; name: string; node: NodeConfig; how: string } | { ok: false; reason: string };

export function selectNode(config: PillarsConfig, macs: readonly string[], override?: string): NodeSelection {
  const names = Object.keys(config.nodes);
  if (override !== undefined && override !== '') {
    const node = config.nodes[override];
    if (!node)
      return {
        ok: false,
        reason: `pillars.node=${override} names no node of this config (its nodes: ${names.join(', ')})`,
      };
    return { ok: true, name: override, node, how: `chosen by the kernel parameter pillars.node=${override}` };
  }
  const mine = new Set(macs.map(normalizeMac));
  const matches = Object.entries(config.nodes)
    .map(([name, node]) => ({
      name,
      node,
      hits: Object.entries(node.interfaces)
        .filter(([, i]) => i.mac !== undefined && mine.has(normalizeMac(i.mac)))
        .map(([ifname]) => ifname),
    }))
    .filter((m) => m.hits.length > 0);
  if (matches.length === 1) {
    const m = matches[0]!;
    return { ok: true, name: m.name, node: m.node, how: `matched by MAC address on ${m.hits.join(', ')}` };
  }
  const listMacs = (n: NodeConfig) =>
    Object.entries(n.interfaces)
      .filter(([, i]) => i.mac)
      .map(([ifn, i]) => `${ifn}=${i.mac}`)
      .join(' ');
  const known = Object.entries(config.nodes)
    .map(([n, node]) => `${n} (${listMacs(node)})`)
    .join('; ');
  if (matches.length === 0)
    return {
      ok: false,
      reason: `no node of the config has one of this box's MAC addresses (${[...mine].join(' ') || 'none found'}); nodes: ${known}. Fix the mac keys or boot with pillars.node=NAME`,
    };
  return {
    ok: false,
    reason: `this box's MAC addresses match several nodes (${matches.map((m) => m.name).join(', ')}); boot with pillars.node=NAME`,
  };
}
