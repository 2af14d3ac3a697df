/**
 * fencing role: STONITH devices for heartbeat. heartbeat itself fences (the devices are its
 * stonith_host lines in ha.cf, rendered by the heartbeat role); this role checks before anything
 * starts that every device's cluster-glue plugin is in the image and loads, with cluster-glue's
 * own `stonith -t TYPE -n` (which lists the plugin's parameter names), so a config naming a
 * device the box cannot drive is refused instead of running unfenced.
 */
import type { Role, RoleCheck, RoleContext } from '../role.js';
import { LAB_STONITH_PLUGIN } from '../heartbeat/view.js';

export const STONITH = '/usr/sbin/stonith';

export function fencingChecks(ctx: RoleContext): RoleCheck[] {
  const types = [
    ...new Set((ctx.config.fencing?.devices ?? []).map((d) => (d.type === 'lab' ? LAB_STONITH_PLUGIN : d.type))),
  ];
  return types.map((t) => ({ what: `STONITH plugin ${t}`, command: [STONITH, '-t', t, '-n'] }));
}

export const fencingRole: Role = {
  name: 'fencing',
  after: ['heartbeat'],
  render: () => [],
  checks: fencingChecks,
  sysctls: () => ({}),
  services: () => [],
};
