import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  PHASES,
  PROFILE_ROLE_NAMES,
  profileSections,
  ROLE_TABLE,
  roleOfSection,
  rolesWithoutModule,
  startOrder,
  type RoleName,
  type RoleRow,
  bootModulesOf,
} from '../../../overlay/roles/table.js';
import { ROLE_ORDER, ROLES } from '../../../overlay/roles/index.js';
import { PROFILE_SECTIONS, PROFILES } from '../../../overlay/config/model.js';
import { assertBuildable, listProfiles, loadProfile, roleTableIssues } from '../../../builder/profile.js';

const rolesDir = join(import.meta.dirname, '../../../overlay/roles');
const profilesDir = join(import.meta.dirname, '../../../profiles');
const rows: readonly RoleRow[] = ROLE_TABLE;

describe('role table', () => {
  it('boot modules: IPVS for an image with the director role, nothing for the others', () => {
    expect(bootModulesOf(['network', 'firewall', 'vrrp', 'director', 'admin'])).toEqual(['ip_vs']);
    expect(bootModulesOf(['network', 'firewall', 'vrrp', 'carp', 'statesync'])).toEqual([]);
    expect(bootModulesOf([])).toEqual([]);
  });

  it('has one row per role, and a module exactly where the registry has one', () => {
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    for (const r of rows) {
      expect(ROLES.has(r.name as RoleName), r.name).toBe(r.module !== null);
      if (r.module !== null) {
        expect(ROLES.get(r.name as RoleName)?.name).toBe(r.name);
        expect(existsSync(join(rolesDir, r.module, 'index.ts')), r.module).toBe(true);
      }
    }
  });

  it('starts roles phase by phase: link → filter → sync → failover → services', () => {
    expect(ROLE_ORDER).toEqual([
      'network',
      'nofirewall',
      'firewall',
      'statesync',
      'drbd',
      'vrrp',
      'carp',
      'heartbeat',
      'fencing',
      'director',
      'realserver',
      'admin',
    ]);
    const phase = (n: RoleName) => PHASES.indexOf(rows.find((r) => r.name === n)!.phase);
    for (let i = 1; i < ROLE_ORDER.length; i++)
      expect(phase(ROLE_ORDER[i - 1]!)).toBeLessThanOrEqual(phase(ROLE_ORDER[i]!));
  });

  it("a module's `after` never names a role of a later phase", () => {
    const phase = (n: string) => PHASES.indexOf(rows.find((r) => r.name === n)!.phase);
    for (const [name, role] of ROLES)
      for (const a of role.after) expect(phase(a), `${name} after ${a}`).toBeLessThanOrEqual(phase(name));
  });

  it('orders roles of one phase by `after`, and names a cycle', () => {
    // carp after vrrp turns the table order of the failover phase around.
    const order = startOrder((n) => (n === 'vrrp' ? ['carp'] : []));
    expect(order.indexOf('carp')).toBeLessThan(order.indexOf('vrrp'));
    expect(() => startOrder((n) => (n === 'vrrp' ? ['carp'] : n === 'carp' ? ['vrrp'] : []))).toThrow(
      /vrrp, carp.*cycle/,
    );
  });

  it('derives the sections each profile needs and may have', () => {
    expect(PROFILE_SECTIONS).toEqual({
      director: {
        needs: ['director'],
        allows: ['firewall', 'statesync', 'vrrp', 'carp', 'director', 'admin', 'alerts'],
      },
      firewall: { needs: ['firewall'], allows: ['firewall', 'statesync', 'vrrp', 'carp', 'admin', 'alerts'] },
      router: { needs: [], allows: ['firewall', 'statesync', 'vrrp', 'carp', 'admin', 'alerts'] },
      heartbeat: {
        needs: ['heartbeat'],
        allows: ['firewall', 'drbd', 'heartbeat', 'fencing', 'director', 'admin', 'alerts'],
      },
      realserver: { needs: ['realserver'], allows: ['firewall', 'realserver', 'admin', 'alerts'] },
    });
    for (const p of PROFILES) expect(profileSections(p)).toEqual(PROFILE_SECTIONS[p]);
    expect(roleOfSection('firewall')).toBe('firewall');
    expect(roleOfSection('alerts')).toBeUndefined();
  });

  it('lets profile files name only the roles that are not run by every image', () => {
    expect(PROFILE_ROLE_NAMES).toEqual([
      'firewall',
      'statesync',
      'vrrp',
      'carp',
      'drbd',
      'heartbeat',
      'fencing',
      'director',
      'realserver',
    ]);
  });
});

describe('profiles against the role table', () => {
  it("merges each role's packages into the image", () => {
    const p = loadProfile(profilesDir, 'router');
    for (const pkg of ['keepalived', 'ucarp', 'iproute2', 'dropbear-bin']) expect(p.packages).toContain(pkg);
  });

  it('every profile file agrees with the table', () => {
    for (const name of listProfiles(profilesDir)) expect(() => loadProfile(profilesDir, name), name).not.toThrow();
  });

  it('refuses a role whose sections the profile may not have, and a missing required role', () => {
    expect(roleTableIssues('realserver', ['realserver', 'vrrp'])).toEqual([
      'role vrrp: a realserver config may not have its section (vrrp); see overlay/roles/table.ts',
    ]);
    expect(roleTableIssues('director', ['vrrp'])).toEqual([
      'must list role director (every director config has its section)',
    ]);
  });

  it('a profile naming a role without a module cannot be built, with the file and the role', () => {
    expect(rolesWithoutModule(['vrrp', 'director'])).toEqual([]);
    expect(() => assertBuildable(loadProfile(profilesDir, 'director'))).not.toThrow();
    expect(() => assertBuildable(loadProfile(profilesDir, 'router'))).not.toThrow();
    const unbuildable = rows.filter((r) => r.module === null).map((r) => r.name);
    for (const name of listProfiles(profilesDir)) {
      const p = loadProfile(profilesDir, name);
      const missing = p.roles.filter((r) => unbuildable.includes(r));
      if (missing.length === 0) continue;
      expect(() => assertBuildable(p), name).toThrow(
        new RegExp(
          `^profiles/${name}\\.yaml: roles? ${missing.join(', ')} ha(s|ve) no module in overlay/roles yet; this profile cannot be built$`,
        ),
      );
    }
  });
});
