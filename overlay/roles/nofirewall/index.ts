/**
 * The filter phase of a config without a `firewall` section: no packet filter, as the config says.
 * The box boots behind the safe-state ruleset; this role replaces it by an empty ruleset in one
 * `nft -f` transaction, before any later phase starts. A config WITH a firewall section is the
 * firewall role's (its ruleset file begins with `flush ruleset`, so the switch from the safe
 * state is one transaction too); an image without that role refuses such a config (enforce.ts).
 */
import { defineService } from '../../service/index.js';
import type { Role, RoleContext } from '../role.js';

export const NOFIREWALL_RULESET = 'nofirewall.nft';

export function renderNoFirewallRuleset(): string {
  return '#!/usr/sbin/nft -f\n# pillars: the config has no firewall section, so no packet filter (rendered; do not edit)\nflush ruleset\n';
}

export const nofirewallRole: Role = {
  name: 'nofirewall',
  after: ['network'],
  render(ctx: RoleContext) {
    return [{ path: `${ctx.etcDir}/${NOFIREWALL_RULESET}`, content: renderNoFirewallRuleset(), mode: 0o644 }];
  },
  checks() {
    return [];
  },
  sysctls() {
    return {};
  },
  services(ctx) {
    return [
      defineService({
        name: 'nofirewall',
        type: 'oneshot',
        command: ['nft', '-f', `${ctx.etcDir}/${NOFIREWALL_RULESET}`],
        description: 'firewall: none configured (safe-state ruleset cleared)',
      }),
    ];
  },
};
