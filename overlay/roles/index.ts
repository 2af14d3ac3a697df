/**
 * The role registry and runner. Which roles a config asks for follows from its sections; the
 * runner turns the chosen roles into one plan (files, checks, sysctls, services — pure), then
 * applies it through a small system interface: write the files, run every check, and only when
 * all checks pass apply the sysctls. Services are handed to the supervisor by the caller.
 */
import type { PillarsConfig } from '../config/index.js';
import type { ServiceSpec } from '../supervisor/service-machine.js';
import { networkRole } from './network/index.js';
import { vrrpRole } from './vrrp/index.js';
import { carpRole } from './carp/index.js';
import { directorRole } from './director/index.js';
import { realserverRole } from './realserver/index.js';
import { adminRole } from './admin/index.js';
import { heartbeatRole } from './heartbeat/index.js';
import type { RenderedFile, Role, RoleCheck, RoleContext, RoleName } from './role.js';

/** The roles this image can run, by name. Others slot in here as they are written. */
export const ROLES: ReadonlyMap<RoleName, Role> = new Map<RoleName, Role>([
  ['network', networkRole],
  ['vrrp', vrrpRole],
  ['carp', carpRole],
  ['director', directorRole],
  ['realserver', realserverRole],
  ['heartbeat', heartbeatRole],
  ['admin', adminRole],
]);

/** The order roles start in (design: network → firewall → statesync → vrrp/carp/heartbeat → director; admin's SSH last). */
export const ROLE_ORDER: readonly RoleName[] = ['network', 'firewall', 'statesync', 'vrrp', 'carp', 'heartbeat', 'director', 'realserver', 'admin'];

export interface RoleSelection {
  /** Roles to run, in start order. */
  run: RoleName[];
  /** Roles the config asks for that this image does not have (yet). */
  missing: RoleName[];
}

/** network always; admin when it has SSH keys (its section always exists); every other role when the config has its section. */
export function selectRoles(config: PillarsConfig, registry: ReadonlyMap<RoleName, Role> = ROLES): RoleSelection {
  const wanted = ROLE_ORDER.filter((r) => r === 'network' || (r === 'admin' ? config.admin.ssh_authorized_keys.length > 0 : (config as Record<string, unknown>)[r] !== undefined));
  return { run: wanted.filter((r) => registry.has(r)), missing: wanted.filter((r) => !registry.has(r)) };
}

/**
 * What a user should read about a role the config asks for but this image cannot run, one line
 * each. The statesync section is shared: its IPVS sync half runs inside keepalived, so only its
 * conntrackd half is missing. Pure.
 */
export function describeMissingRoles(config: PillarsConfig, sel: RoleSelection): string[] {
  return sel.missing.map((r) => {
    if (r === 'statesync' && config.statesync?.ipvs_sync && sel.run.includes('vrrp')) {
      return 'statesync: IPVS connection sync runs in keepalived; conntrackd (firewall state sync) is not in this image, so that part is not applied';
    }
    return `${r}: the config has a ${r} section but this image has no ${r} role; it is not applied`;
  });
}

export interface RolePlan {
  roles: RoleName[];
  files: RenderedFile[];
  checks: RoleCheck[];
  sysctls: Record<string, string>;
  services: ServiceSpec[];
}

/** Render everything the roles need. Pure. A role's services depend on the services of the roles it starts after. */
export function planRoles(ctx: RoleContext, names: readonly RoleName[], registry: ReadonlyMap<RoleName, Role> = ROLES): RolePlan {
  const plan: RolePlan = { roles: [...names], files: [], checks: [], sysctls: {}, services: [] };
  const servicesOf = new Map<RoleName, string[]>();
  for (const name of names) {
    const role = registry.get(name);
    if (!role) throw new Error(`role ${name} is not in this image`);
    plan.files.push(...role.render(ctx));
    plan.checks.push(...role.checks(ctx));
    Object.assign(plan.sysctls, role.sysctls(ctx));
    const before = role.after.flatMap((r) => servicesOf.get(r) ?? []);
    const specs = role.services(ctx).map((s) => ({ ...s, dependsOn: [...new Set([...s.dependsOn, ...before])] }));
    servicesOf.set(name, specs.map((s) => s.name));
    plan.services.push(...specs);
  }
  return plan;
}

/** `net.ipv4.ip_forward` → `/proc/sys/net/ipv4/ip_forward`. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

/** Kernel modules that provide sysctl keys, by key prefix: their keys exist only once loaded. */
export const SYSCTL_MODULES: ReadonlyArray<readonly [prefix: string, module: string]> = [['net.ipv4.vs.', 'ip_vs']];

/** The modules to load before these sysctl keys can be written. Pure. */
export function sysctlModules(keys: readonly string[]): string[] {
  return [...new Set(SYSCTL_MODULES.filter(([prefix]) => keys.some((k) => k.startsWith(prefix))).map(([, m]) => m))];
}

export interface RoleSystem {
  writeFile(path: string, content: string, mode: number): Promise<void>;
  readFile(path: string): Promise<string | undefined>;
  removeFile(path: string): Promise<void>;
  /** Run a checker; resolves with its exit code and output. */
  run(argv: readonly string[]): Promise<{ code: number; output: string }>;
}

export interface ApplyResult {
  ok: boolean;
  errors: string[];
}

/**
 * Write the files, run every check; on any failure put the previous files back (so a failed
 * reload leaves the running config's files in place) and report. Then the sysctls.
 */
export async function applyRolePlan(plan: RolePlan, sys: RoleSystem, log: (line: string) => void = () => undefined): Promise<ApplyResult> {
  const previous = new Map<string, string | undefined>();
  for (const f of plan.files) previous.set(f.path, await sys.readFile(f.path));
  for (const f of plan.files) {
    log(`write ${f.path}`);
    await sys.writeFile(f.path, f.content, f.mode ?? 0o644);
  }
  const errors: string[] = [];
  for (const c of plan.checks) {
    log(`check ${c.what}: ${c.command.join(' ')}`);
    const r = await sys.run(c.command);
    log(`check ${c.what}: exit ${r.code}`);
    if (r.code !== 0) errors.push(`${c.what}: ${c.command.join(' ')} failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-5).join(' / ')}`);
  }
  if (errors.length > 0) {
    for (const [path, old] of previous) {
      if (old === undefined) await sys.removeFile(path);
      else await sys.writeFile(path, old, 0o644);
    }
    return { ok: false, errors };
  }
  for (const mod of sysctlModules(Object.keys(plan.sysctls))) {
    log(`modprobe ${mod}`);
    const r = await sys.run(['modprobe', mod]);
    if (r.code !== 0) errors.push(`modprobe ${mod} (for its sysctls) failed (exit ${r.code}): ${r.output.trim()}`);
  }
  for (const [k, v] of Object.entries(plan.sysctls)) {
    log(`sysctl ${k}=${v}`);
    try {
      await sys.writeFile(sysctlPath(k), `${v}\n`, 0o644);
    } catch (e) {
      errors.push(`sysctl ${k}=${v}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { ok: errors.length === 0, errors };
}
