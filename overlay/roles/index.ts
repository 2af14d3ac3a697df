/**
 * The role registry and runner. Which roles a config asks for follows from its sections; the
 * runner turns the chosen roles into one plan (files, checks, sysctls, services — pure), then
 * applies it through a small system interface: write the files, run every check, and only when
 * all checks pass apply the sysctls. Services are handed to the supervisor by the caller.
 */
import type { PillarsConfig } from '../config/index.js';
import { sha256Parts } from '../config/hash.js';
import type { ServiceSpec } from '../service/index.js';
import { networkRole } from './network/index.js';
import { vrrpRole } from './vrrp/index.js';
import { carpRole } from './carp/index.js';
import { directorRole } from './director/index.js';
import { realserverRole } from './realserver/index.js';
import { adminRole } from './admin/index.js';
import { nofirewallRole } from './nofirewall/index.js';
import { firewallRole } from './firewall/index.js';
import { statesyncRole } from './statesync/index.js';
import { heartbeatRole } from './heartbeat/index.js';
import { drbdRole } from './drbd/index.js';
import { fencingRole } from './fencing/index.js';
import type { FileEdit, RenderedFile, Role, RoleCheck, RoleContext, RoleName } from './role.js';
import { PHASES, roleRow, startOrder } from './table.js';

/**
 * The role modules, by name: the Role each table row's `module` directory exports (a unit test
 * keeps the two in step). A new role is a row in table.ts plus its module here.
 */
export const ROLES: ReadonlyMap<RoleName, Role> = new Map<RoleName, Role>(
  [
    networkRole,
    nofirewallRole,
    firewallRole,
    statesyncRole,
    vrrpRole,
    carpRole,
    drbdRole,
    heartbeatRole,
    fencingRole,
    directorRole,
    realserverRole,
    adminRole,
  ].map((r) => [r.name, r]),
);

/** The order roles start in: by the table's phases, within a phase by each module's `after`. */
export const ROLE_ORDER: readonly RoleName[] = startOrder((name) => ROLES.get(name)?.after ?? []);

export interface RoleSelection {
  /** Roles to run, in start order. */
  run: RoleName[];
  /** Roles the config asks for that this image does not have (yet). */
  missing: RoleName[];
}

/**
 * network and admin (root's console password, SSH when keys are set) always; nofirewall when the
 * config has no firewall section; every other role when the config has one of its sections.
 * `run` is what the registry (the image) has, `missing` what it has not.
 */
export function selectRoles(config: PillarsConfig, registry: ReadonlyMap<RoleName, Role> = ROLES): RoleSelection {
  const has = (r: RoleName) => roleRow(r).sections.some((s) => (config as Record<string, unknown>)[s] !== undefined);
  const wants = (r: RoleName) => {
    if (r === 'nofirewall') return config.firewall === undefined;
    if (roleRow(r).runs === 'always') return true;
    return has(r);
  };
  const wanted = ROLE_ORDER.filter(wants);
  return { run: wanted.filter((r) => registry.has(r)), missing: wanted.filter((r) => !registry.has(r)) };
}

export interface RolePlan {
  roles: RoleName[];
  files: RenderedFile[];
  /** System files the roles edit (written with the files, restored with them). */
  edits?: FileEdit[];
  checks: RoleCheck[];
  sysctls: Record<string, string>;
  services: ServiceSpec[];
  /**
   * Per service, a fingerprint of what its role rendered for it (files and edits): a reload
   * keeps a service whose spec and fingerprint are unchanged (planReload).
   */
  inputs?: Record<string, string>;
  /** The role that declared each service, by service name. */
  owners?: Record<string, RoleName>;
}

/** The fingerprint of a role's rendered files and edits (an edit by its result on an empty file). */
export function renderedFingerprint(files: readonly RenderedFile[], edits: readonly FileEdit[]): string {
  return sha256Parts([
    ...files.flatMap((f) => ['file', f.path, String(f.mode ?? 0o644), f.content]),
    ...edits.flatMap((e) => ['edit', e.path, String(e.mode), e.edit('')]),
  ]);
}

/**
 * Render everything the roles need. Pure. A role's services depend on the services of the roles
 * it starts after, and every role of a phase after `filter` on the filter phase's services: no
 * failover or service daemon runs before the packet filter is in its configured state.
 */
export function planRoles(
  ctx: RoleContext,
  names: readonly RoleName[],
  registry: ReadonlyMap<RoleName, Role> = ROLES,
): RolePlan {
  const plan: RolePlan = {
    roles: [...names],
    files: [],
    edits: [],
    checks: [],
    sysctls: {},
    services: [],
    inputs: {},
    owners: {},
  };
  const servicesOf = new Map<RoleName, string[]>();
  const filterPhase = PHASES.indexOf('filter');
  const filterServices: string[] = [];
  for (const name of names) {
    const role = registry.get(name);
    if (!role) throw new Error(`role ${name} is not in this image`);
    const files = role.render(ctx);
    const edits = role.edits?.(ctx) ?? [];
    plan.files.push(...files);
    plan.edits!.push(...edits);
    plan.checks.push(...role.checks(ctx));
    Object.assign(plan.sysctls, role.sysctls(ctx));
    const phase = PHASES.indexOf(roleRow(name).phase);
    const before = [
      ...role.after.flatMap((r) => servicesOf.get(r) ?? []),
      ...(phase > filterPhase ? filterServices : []),
    ];
    const specs = role.services(ctx).map((s) => ({ ...s, dependsOn: [...new Set([...s.dependsOn, ...before])] }));
    servicesOf.set(
      name,
      specs.map((s) => s.name),
    );
    if (phase === filterPhase) filterServices.push(...specs.map((s) => s.name));
    plan.services.push(...specs);
    const fingerprint = renderedFingerprint(files, edits);
    for (const s of specs) {
      const reads = s.reads;
      plan.inputs![s.name] = reads
        ? renderedFingerprint(
            files.filter((f) => reads.includes(f.path)),
            edits.filter((e) => reads.includes(e.path)),
          )
        : fingerprint;
    }
    for (const s of specs) plan.owners![s.name] = name;
  }
  return plan;
}

/** `net.ipv4.ip_forward` → `/proc/sys/net/ipv4/ip_forward`. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

/** Kernel modules that provide sysctl keys, by key prefix: their keys exist only once loaded. */
export const SYSCTL_MODULES: ReadonlyArray<readonly [prefix: string, module: string]> = [
  ['net.ipv4.vs.', 'ip_vs'],
  ['net.netfilter.nf_conntrack_', 'nf_conntrack'],
];

/** The modules to load before these sysctl keys can be written. Pure. */
export function sysctlModules(keys: readonly string[]): string[] {
  return [...new Set(SYSCTL_MODULES.filter(([prefix]) => keys.some((k) => k.startsWith(prefix))).map(([, m]) => m))];
}

export interface RoleSystem {
  /** Write a whole file atomically (temp file + rename), created with `mode`. */
  writeFile(path: string, content: string, mode: number): Promise<void>;
  /** A file's content and permission bits, undefined when it does not exist. */
  readFile(path: string): Promise<{ content: string; mode: number } | undefined>;
  removeFile(path: string): Promise<void>;
  /** Set one kernel parameter (net.ipv4.ip_forward → /proc/sys/net/ipv4/ip_forward). */
  writeSysctl(key: string, value: string): Promise<void>;
  /** Run a checker; resolves with its exit code and output. */
  run(argv: readonly string[]): Promise<{ code: number; output: string }>;
}

export interface ApplyResult {
  ok: boolean;
  errors: string[];
}

/**
 * Write the files, run every check; on any failure put the previous files back, each with its own
 * mode (so a failed reload leaves the running config's files in place: executable scripts stay
 * executable, secrets stay private) and report. Then the sysctls.
 */
export async function applyRolePlan(
  plan: RolePlan,
  sys: RoleSystem,
  log: (line: string) => void = () => undefined,
): Promise<ApplyResult> {
  const previous = new Map<string, { content: string; mode: number } | undefined>();
  const edits = plan.edits ?? [];
  for (const f of [...plan.files, ...edits]) previous.set(f.path, await sys.readFile(f.path));
  const errors: string[] = [];
  try {
    for (const f of plan.files) {
      log(`write ${f.path}`);
      await sys.writeFile(f.path, f.content, f.mode ?? 0o644);
    }
    for (const e of edits) {
      log(`edit ${e.path}`);
      await sys.writeFile(e.path, e.edit(previous.get(e.path)?.content ?? ''), e.mode);
    }
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err));
  }
  for (const c of errors.length > 0 ? [] : plan.checks) {
    log(`check ${c.what}: ${c.command.join(' ')}`);
    const r = await sys.run(c.command);
    log(`check ${c.what}: exit ${r.code}`);
    if (r.code !== 0)
      errors.push(
        `${c.what}: ${c.command.join(' ')} failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-5).join(' / ')}`,
      );
  }
  if (errors.length > 0) {
    for (const [path, old] of previous) {
      if (old === undefined) await sys.removeFile(path);
      else await sys.writeFile(path, old.content, old.mode);
    }
    return { ok: false, errors };
  }
  for (const mod of sysctlModules(Object.keys(plan.sysctls))) {
    // Usually loaded at boot already (the role table's bootModules): no modprobe to start then.
    if ((await sys.readFile(`/sys/module/${mod}/initstate`))?.content.trim() === 'live') continue;
    log(`modprobe ${mod}`);
    const r = await sys.run(['modprobe', mod]);
    if (r.code !== 0) errors.push(`modprobe ${mod} (for its sysctls) failed (exit ${r.code}): ${r.output.trim()}`);
  }
  for (const [k, v] of Object.entries(plan.sysctls)) {
    log(`sysctl ${k}=${v}`);
    try {
      await sys.writeSysctl(k, v);
    } catch (e) {
      errors.push(`sysctl ${k}=${v}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { ok: errors.length === 0, errors };
}
