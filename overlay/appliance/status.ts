/**
 * The admin's views that listen on the network when the config asks for them: the read-only
 * status page (admin.status_page.listen) and the authenticated peer channel (admin.cluster).
 * Each is restarted only when its address or key changed; the handles live in the returned
 * object, not in module state.
 */
import type { Server } from 'node:http';
import { peerChannelPlan } from '../status/cluster-config.js';
import type { createNodeStatus } from '../status/node-status.js';
import { startPeerServer, type PeerConfigHandlers } from '../status/peer.js';
import { startStatusPage } from '../supervisor/status-page.js';
import type { Outcome } from './configure.js';
import type { Say } from './ports.js';

export type NodeStatus = ReturnType<typeof createNodeStatus>;

export interface StatusViews {
  /** Start, restart or stop the views for a config that now runs. */
  serve(o: Outcome): void;
  /** The peer channel only (a reload leaves the status page as it is). */
  servePeer(o: Outcome): void;
}

export function createStatusViews(deps: {
  nodeStatus: NodeStatus;
  node(): string | undefined;
  text(): string;
  json(): Record<string, unknown>;
  /** What the peer channel answers about this node's stick, and takes from the peer (config-sync.ts). */
  config: PeerConfigHandlers;
  say: Say;
}): StatusViews {
  let page: { listen: string; server: Server } | undefined;
  let peer: { key: string; server: Server } | undefined;

  const servePage = (listen: string | undefined) => {
    if (page?.listen === listen) return;
    page?.server.close();
    page = undefined;
    if (!listen) return;
    const server = startStatusPage(
      listen,
      { node: deps.node, text: () => deps.text().split('\n'), json: deps.json, view: deps.nodeStatus },
      deps.say,
    );
    page = { listen, server };
    deps.nodeStatus.start();
  };

  const servePeer = (o: Outcome) => {
    const plan = peerChannelPlan(o.config, o.nodeName);
    deps.nodeStatus.setPeer(plan?.peer);
    const key = plan ? JSON.stringify([plan.listen, plan.key]) : '';
    if (peer?.key === key) return;
    peer?.server.close();
    peer = undefined;
    if (!plan) return;
    const server = startPeerServer({
      ...plan.listen,
      key: plan.key,
      snapshot: () => deps.nodeStatus.snapshot(),
      config: deps.config,
      log: deps.say,
    });
    peer = { key, server };
  };

  return {
    serve(o) {
      servePage(o.config.admin?.status_page?.listen);
      servePeer(o);
    },
    servePeer,
  };
}
