/**
 * The statesync view: conntrackd.conf of one node as plain data, from the `statesync` section.
 * Pure; the template only prints it.
 */
import { nodeNets, parseIp, type NodeConfig, type PillarsConfig } from '../../config/index.js';

export type SyncModeName = 'FTFW' | 'NOTRACK' | 'ALARM';

export type SyncTransport =
  | { kind: 'multicast'; group: string; port: number; local: string; interface: string }
  | { kind: 'udp'; local: string; peer: string; port: number; interface: string };

export interface StatesyncView {
  node: string;
  mode: { name: SyncModeName };
  /** ALARM keeps the peer's states in the external cache: the takeover must commit them (-c). */
  commitOnTakeover: boolean;
  transport: SyncTransport;
  lockFile: string;
  socket: string;
  ignore4: string[];
  ignore6: string[];
}

export interface StatesyncInput {
  config: PillarsConfig;
  nodeName: string;
  node: NodeConfig;
  runDir: string;
}

const MODE: Record<string, SyncModeName> = { ftfw: 'FTFW', notrack: 'NOTRACK', alarm: 'ALARM' };

function firstV4(node: NodeConfig, ifname: string): string | undefined {
  const net = nodeNets(node, ifname).find((n) => n.family === 4);
  if (!net) return undefined;
  return (node.interfaces[ifname]?.addresses ?? []).map((a) => a.split('/')[0]!).find((a) => parseIp(a)?.family === 4);
}

export function statesyncView(input: StatesyncInput): StatesyncView {
  const { config, nodeName, node, runDir } = input;
  const ss = config.statesync;
  if (!ss) throw new Error('statesyncView: the config has no statesync section');
  const local = firstV4(node, ss.interface);
  if (!local)
    throw new Error(`statesync: node ${nodeName} has no IPv4 address on ${ss.interface} (conntrackd syncs over IPv4)`);
  let transport: SyncTransport;
  if (ss.transport === 'udp') {
    const peers = Object.entries(config.nodes)
      .filter(([n]) => n !== nodeName)
      .map(([, nd]) => firstV4(nd, ss.interface))
      .filter((a): a is string => !!a);
    if (peers.length === 0)
      throw new Error(`statesync: udp transport needs the other node's IPv4 address on ${ss.interface}`);
    transport = { kind: 'udp', local, peer: peers[0]!, port: ss.port, interface: ss.interface };
  } else {
    transport = { kind: 'multicast', group: ss.multicast_group, port: ss.port, local, interface: ss.interface };
  }
  const own = Object.values(config.nodes).flatMap((nd) =>
    Object.values(nd.interfaces).flatMap((i) => i.addresses.map((a) => a.split('/')[0]!)),
  );
  const v4 = [...new Set(['127.0.0.1', ...own.filter((a) => parseIp(a)?.family === 4)])];
  const v6 = [...new Set(['::1', ...own.filter((a) => parseIp(a)?.family === 6)])];
  const dir = runDir.replace(/\/+$/, '');
  return {
    node: nodeName,
    mode: { name: MODE[ss.mode]! },
    commitOnTakeover: ss.mode === 'alarm',
    transport,
    lockFile: `${dir}/conntrackd.lock`,
    socket: `${dir}/conntrackd.ctl`,
    ignore4: v4,
    ignore6: v6,
  };
}
