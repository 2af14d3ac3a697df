/**
 * drbd role (phase sync): the DRBD 8.4 resource under heartbeat. Files: /etc/drbd.d/<res>.res and
 * the script that brings the resource up (initialising only an empty backing disk); check:
 * drbdadm-84's own parser; service: a oneshot before heartbeat, which makes it primary
 * (drbddisk). Rendering lives with the heartbeat role (overlay/roles/heartbeat/index.ts).
 */
import type { Role } from '../role.js';
import { drbdChecks, drbdFiles, drbdServices } from '../heartbeat/index.js';

export const drbdRole: Role = {
  name: 'drbd',
  after: ['network', 'firewall'],
  render: drbdFiles,
  checks: drbdChecks,
  sysctls: () => ({}),
  services: drbdServices,
};
