/**
 * firewall role: the nftables ruleset from the `firewall` section, checked with the image's own
 * `nft -c -f` and loaded by one `nft -f` (the file begins with `flush ruleset`, so the switch from
 * the safe-state ruleset is a single transaction). A second service follows the kernel log, where
 * the ruleset's rate-limited drop log lines land, so `pillarsctl logs firewall` shows them.
 */
import { compileTemplate, shellWord } from '../../templates/escape.js';
import template from '../../templates/firewall.nft.ejs';
import { defineService } from '../../service/index.js';
import { etcPath, type Role, type RoleContext } from '../role.js';
import { DROP_LOG_PREFIX, firewallView, type FirewallView } from './view.js';

export {
  firewallView,
  pairTraffic,
  gatewayVip,
  ruleChain,
  FIREWALL_TABLE,
  DROP_LOG_PREFIX,
  type FirewallView,
} from './view.js';

export const FIREWALL_LOAD_SERVICE = 'firewall-load';
export const FIREWALL_LOG_SERVICE = 'firewall';

const compiled = compileTemplate<{ node: string; table: string; chains: FirewallView['chains'] }>(template, 'nft', [
  'node',
  'table',
  'chains',
]);

export function renderFirewallView(view: FirewallView): string {
  return compiled({ node: view.node, table: view.table, chains: view.chains });
}

export function firewallPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'firewall.nft');
}

export const firewallRole: Role = {
  name: 'firewall',
  after: ['network'],
  render: (ctx) =>
    ctx.config.firewall
      ? [{ path: firewallPath(ctx), content: renderFirewallView(firewallView(ctx)), mode: 0o600 }]
      : [],
  checks: (ctx) =>
    ctx.config.firewall ? [{ what: 'firewall.nft', command: ['nft', '-c', '-f', firewallPath(ctx)] }] : [],
  // A stateful firewall: a TCP segment of a connection the box never saw set up is INVALID (and
  // dropped), not picked up mid-stream as established. That is what makes the state sync matter:
  // after a failover only connections whose state was replicated pass.
  // A firewall forwards between its zones (IPv6 too when the config has IPv6 addresses).
  sysctls: (ctx): Record<string, string> => {
    if (!ctx.config.firewall) return {};
    const v6 = Object.values(ctx.node.interfaces).some((i) => i.addresses.some((a) => a.includes(':')));
    return {
      'net.netfilter.nf_conntrack_tcp_loose': '0',
      'net.ipv4.ip_forward': '1',
      ...(v6 ? { 'net.ipv6.conf.all.forwarding': '1' } : {}),
    };
  },
  services: (ctx) =>
    ctx.config.firewall
      ? [
          defineService({
            name: FIREWALL_LOAD_SERVICE,
            type: 'oneshot',
            command: ['nft', '-f', firewallPath(ctx)],
            readiness: { kind: 'none', timeoutMs: 30_000 },
            description: 'nftables ruleset (one transaction)',
          }),
          defineService({
            name: FIREWALL_LOG_SERVICE,
            type: 'longrun',
            // util-linux dmesg writes each kernel record as it arrives; only the packet filter's
            // (the drop rules' log prefix) go to this service's log, not the whole kernel log.
            command: [
              'sh',
              '-c',
              `dmesg --follow-new --facility kern --time-format iso | exec grep --line-buffered -F ${shellWord(`${DROP_LOG_PREFIX} `)}`,
            ],
            dependsOn: [FIREWALL_LOAD_SERVICE],
            readiness: { kind: 'none', timeoutMs: 10_000 },
            killGraceMs: 1000,
            description: 'kernel log of the packet filter (dropped packets)',
          }),
        ]
      : [],
};
