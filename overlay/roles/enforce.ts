/**
 * Fail closed: a valid config is applied only when this image can enforce all of it. A config for
 * another profile, or with a section whose role this image does not have (a `firewall` section on
 * an image without the firewall role), is refused: the box stays in the safe state and says which
 * section and which image. Never run with less protection than the config asks for. Pure.
 */
import type { PillarsConfig } from '../config/index.js';
import { ROLE_SECTIONS, ROLE_TABLE, roleOfSection, type RoleName, type RoleRow } from './table.js';

/** What the image knows about itself (written by the build into usr/lib/pillars/build.json). */
export interface ImageInfo {
  readonly profile: string;
  /** The profile's roles (the roles every image has are implied). */
  readonly roles: readonly string[];
}

export type Admission =
  { ok: true; notes: string[] } | { ok: false; reason: string; issues: { path: string; message: string }[] };

/** The roles an image of this profile has: its profile's and those of every image. */
export function imageRoles(image: ImageInfo): RoleName[] {
  return (ROLE_TABLE as readonly RoleRow[])
    .filter((r) => r.runs === 'always' || image.roles.includes(r.name))
    .map((r) => r.name as RoleName);
}

/**
 * Whether this image may apply the config, and what the admin should read when it does (e.g.
 * `firewall: none configured`). The statesync section is shared: its IPVS half runs beside
 * keepalived (the kernel's sync daemons), so on an image with vrrp and no firewall section (no connection state of a packet
 * filter to replicate) it is enforced without conntrackd; with a firewall section it needs the
 * statesync role.
 */
export function admitConfig(config: PillarsConfig, image: ImageInfo): Admission {
  const name = `${image.profile} image`;
  if (config.profile !== image.profile) {
    return {
      ok: false,
      reason: `the config is for profile ${config.profile}, this is the ${name}`,
      issues: [
        {
          path: 'profile',
          message: `${config.profile}: boot the ${config.profile} image with this stick, or set profile: ${image.profile} for this image`,
        },
      ],
    };
  }
  const has = new Set<string>(imageRoles(image));
  const notes: string[] = [];
  const refused: { path: string; message: string }[] = [];
  for (const section of ROLE_SECTIONS) {
    if ((config as Record<string, unknown>)[section] === undefined) continue;
    const role = roleOfSection(section);
    if (role === undefined || has.has(role)) continue;
    if (
      section === 'statesync' &&
      config.statesync?.ipvs_sync &&
      has.has('vrrp') &&
      config.vrrp !== undefined &&
      config.firewall === undefined
    ) {
      notes.push(
        "statesync: IPVS connection sync runs beside keepalived (the kernel's sync daemons); no firewall, so no conntrack state to replicate (conntrackd not in this image)",
      );
      continue;
    }
    refused.push({
      path: section,
      message: `the config has a ${section} section, but the ${name} has no ${role} role to enforce it`,
    });
  }
  if (refused.length > 0) {
    return {
      ok: false,
      reason: `the ${name} cannot enforce section${refused.length > 1 ? 's' : ''} ${refused.map((r) => r.path).join(', ')} of the config`,
      issues: refused,
    };
  }
  if (config.firewall === undefined)
    notes.unshift('firewall: none configured (the config has no firewall section: no packet filter)');
  return { ok: true, notes };
}
