/**
 * The one role table: every role the project knows, with the config sections it enforces, the
 * phase it starts in, the Debian packages it needs and the module that implements it (null while
 * none is written). Everything else about roles is derived from here: the RoleName type, the start
 * order, the config sections a profile's config needs and may have, and the builder's profile
 * checks (a profile naming a role without a module is not buildable).
 *
 * A leaf: data only, no imports but types, so the config model and the builder can read it
 * without pulling in the role modules.
 */
import type { ProfileName } from '../config/model.js';

/** Start phases, in order. Within a phase, roles start after the roles their `after` names. */
export const PHASES = ['link', 'filter', 'sync', 'failover', 'services'] as const;
export type Phase = (typeof PHASES)[number];

export interface RoleRow {
  readonly name: string;
  readonly phase: Phase;
  /** Top-level config sections this role enforces (a config with one of them asks for the role). */
  readonly sections: readonly string[];
  /**
   * `always`: every image has it (network, admin login, nofirewall); `profile`: an image has it
   * when its profile lists it (profiles/<name>.yaml `roles:`). Which of its roles a box runs
   * follows from the config (selectRoles).
   */
  readonly runs: 'always' | 'profile';
  /** Profiles whose config may have the sections; `required` ones must have them. */
  readonly profiles: { readonly optional: readonly ProfileName[]; readonly required: readonly ProfileName[] };
  /** Debian packages the role needs (merged into the image's package set). */
  readonly packages: readonly string[];
  /** The role's module directory under overlay/roles/ (its index.ts exports the Role), or null. */
  readonly module: string | null;
  /**
   * Kernel modules the role always needs, loaded in the boot's one modprobe with the hardware's
   * (while the config stick enumerates) on an image that has the role, instead of by a modprobe
   * of their own when the role starts (a program start and the module loads on the way to ready).
   * Loaded and unused they do nothing: IPVS hooks in only with a virtual service.
   */
  readonly bootModules?: readonly string[];
}

const ALL: readonly ProfileName[] = ['director', 'firewall', 'router', 'heartbeat', 'realserver'];
const PAIR: readonly ProfileName[] = ['director', 'firewall', 'router'];

export const ROLE_TABLE = [
  {
    name: 'network',
    phase: 'link',
    sections: [],
    runs: 'always',
    profiles: { optional: ALL, required: [] },
    packages: ['iproute2'],
    module: 'network',
  },
  {
    name: 'nofirewall',
    phase: 'filter',
    sections: [],
    runs: 'always',
    profiles: { optional: ALL, required: [] },
    packages: ['nftables'],
    module: 'nofirewall',
  },
  {
    name: 'firewall',
    phase: 'filter',
    sections: ['firewall'],
    runs: 'profile',
    profiles: { optional: ALL, required: ['firewall'] },
    packages: ['nftables'],
    module: 'firewall',
  },
  {
    name: 'statesync',
    phase: 'sync',
    sections: ['statesync'],
    runs: 'profile',
    profiles: { optional: PAIR, required: [] },
    packages: ['conntrackd', 'conntrack'],
    module: 'statesync',
  },
  {
    name: 'vrrp',
    phase: 'failover',
    sections: ['vrrp'],
    runs: 'profile',
    profiles: { optional: PAIR, required: [] },
    packages: ['keepalived'],
    module: 'vrrp',
  },
  {
    name: 'carp',
    phase: 'failover',
    sections: ['carp'],
    runs: 'profile',
    profiles: { optional: PAIR, required: [] },
    packages: ['ucarp'],
    module: 'carp',
  },
  {
    name: 'drbd',
    phase: 'sync',
    sections: ['drbd'],
    runs: 'profile',
    profiles: { optional: ['heartbeat'], required: [] },
    packages: ['drbd-utils', 'e2fsprogs'],
    module: 'drbd',
  },
  {
    name: 'heartbeat',
    phase: 'failover',
    sections: ['heartbeat'],
    runs: 'profile',
    profiles: { optional: ['heartbeat'], required: ['heartbeat'] },
    packages: ['heartbeat', 'cluster-glue', 'resource-agents', 'mount'],
    module: 'heartbeat',
  },
  {
    name: 'fencing',
    phase: 'failover',
    sections: ['fencing'],
    runs: 'profile',
    profiles: { optional: ['heartbeat'], required: [] },
    packages: ['cluster-glue'],
    module: 'fencing',
  },
  // heartbeat may hold a director's VIPs (heartbeat + keepalived's checkers, as heartbeat + ldirectord did)
  {
    name: 'director',
    phase: 'services',
    sections: ['director'],
    runs: 'profile',
    profiles: { optional: ['director', 'heartbeat'], required: ['director'] },
    packages: ['keepalived', 'ipvsadm'],
    module: 'director',
    bootModules: ['ip_vs'],
  },
  {
    name: 'realserver',
    phase: 'services',
    sections: ['realserver'],
    runs: 'profile',
    profiles: { optional: ['realserver'], required: ['realserver'] },
    packages: [],
    module: 'realserver',
  },
  {
    name: 'admin',
    phase: 'services',
    sections: ['admin'],
    runs: 'always',
    profiles: { optional: ALL, required: [] },
    packages: ['dropbear-bin'],
    module: 'admin',
  },
] as const satisfies readonly RoleRow[];

export type RoleName = (typeof ROLE_TABLE)[number]['name'];

/** Sections every profile's config may have that belong to no role of their own. */
export const SHARED_SECTIONS = ['alerts'] as const;

export const ROLE_NAMES: readonly RoleName[] = ROLE_TABLE.map((r) => r.name);

export function roleRow(name: RoleName): RoleRow {
  return ROLE_TABLE.find((r) => r.name === name) as RoleRow;
}

/** Roles a profile file may name (the others run in every image). */
export const PROFILE_ROLE_NAMES: readonly RoleName[] = ROLE_TABLE.filter((r) => r.runs === 'profile').map(
  (r) => r.name,
);

/** Every top-level config section a role enforces, plus the shared ones. */
export const ROLE_SECTIONS: readonly string[] = [...ROLE_TABLE.flatMap((r) => r.sections), ...SHARED_SECTIONS];

/** The sections a profile's config must have and may have. Pure. */
export function profileSections(profile: ProfileName): { needs: string[]; allows: string[] } {
  const rows: readonly RoleRow[] = ROLE_TABLE;
  return {
    needs: rows.filter((r) => r.profiles.required.includes(profile)).flatMap((r) => r.sections),
    allows: [
      ...rows
        .filter((r) => r.profiles.optional.includes(profile) || r.profiles.required.includes(profile))
        .flatMap((r) => r.sections),
      ...SHARED_SECTIONS,
    ],
  };
}

/** The role that enforces a config section, if any. */
export function roleOfSection(section: string): RoleName | undefined {
  return ROLE_TABLE.find((r) => (r.sections as readonly string[]).includes(section))?.name;
}

/**
 * The order roles start in: by phase, and within a phase after the roles each names in `after`
 * (a role's `after` comes from its module; roles without one keep their table order). Pure.
 */
export function startOrder(afterOf: (name: RoleName) => readonly RoleName[] = () => []): RoleName[] {
  const out: RoleName[] = [];
  for (const phase of PHASES) {
    const pending: RoleName[] = ROLE_TABLE.filter((r) => r.phase === phase).map((r) => r.name);
    while (pending.length > 0) {
      const i = pending.findIndex((n) => afterOf(n).every((a) => !pending.includes(a) || a === n));
      if (i < 0) throw new Error(`roles ${pending.join(', ')} name each other in 'after' (a cycle)`);
      out.push(...pending.splice(i, 1));
    }
  }
  return out;
}

/**
 * What a profile names that cannot be built: roles without a module. One message per role. Pure.
 */
export function rolesWithoutModule(roles: readonly string[]): RoleName[] {
  const rows: readonly RoleRow[] = ROLE_TABLE;
  return rows.filter((r) => r.module === null && roles.includes(r.name)).map((r) => r.name as RoleName);
}

/** The kernel modules the boot loads for an image with these roles (bootModules), once each. Pure. */
export function bootModulesOf(roles: readonly string[]): string[] {
  const rows: readonly RoleRow[] = ROLE_TABLE;
  return [...new Set(rows.filter((r) => roles.includes(r.name)).flatMap((r) => r.bootModules ?? []))];
}
