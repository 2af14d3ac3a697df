/**
 * Profiles: named role sets with their packages and kernel modules (data in profiles/*.yaml, no
 * logic). Loaded strictly: unknown keys and wrong types are errors naming file, line and field.
 * Which roles exist, which profiles may run them and the packages they need come from the role
 * table (overlay/roles/table.ts); a profile's packages are its own plus its roles'.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node } from 'yaml';
import { UserError } from './errors.js';
import {
  PROFILE_ROLE_NAMES,
  ROLE_TABLE,
  rolesWithoutModule,
  type RoleName,
  type RoleRow,
} from '../overlay/roles/table.js';

/** The roles a profile file may name (network and admin run in every image). */
export const ROLES: readonly RoleName[] = PROFILE_ROLE_NAMES;
export type Role = RoleName;

/** Parts of the rootfs a profile may keep that every other image strips. */
export const KEEPABLE = ['perl', 'python', 'pam'] as const;
export type Keepable = (typeof KEEPABLE)[number];

export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly roles: readonly Role[];
  /** Debian packages, the base profile's merged in, sorted and unique. */
  readonly packages: readonly string[];
  /** Kernel module patterns (paths below kernel/ without .ko*, `**` for a subtree). */
  readonly modules: readonly string[];
  readonly keep: readonly Keepable[];
}

export interface ProfileIssue {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export class ProfileError extends UserError {
  constructor(readonly issues: ProfileIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`).join('\n'), {
      hint: 'fix the profile file; keys are name, description, roles, packages, modules, keep, abstract',
    });
  }
}

interface RawProfile {
  name: string;
  description: string;
  roles: Role[];
  packages: string[];
  modules: string[];
  keep: Keepable[];
  abstract: boolean;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const MODULE_PATTERN = /^[A-Za-z0-9_./*-]+$/;

/** Parse one profile file's text. Pure: returns the raw profile or issues with positions. */
export function parseProfile(text: string, file: string): { profile?: RawProfile; issues: ProfileIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const issues: ProfileIssue[] = [];
  const at = (node: Node | null | undefined, path: string, message: string) => {
    const pos = node?.range ? lc.linePos(node.range[0]) : { line: 1, col: 1 };
    issues.push({ file, line: pos.line, column: pos.col, path, message });
  };
  for (const e of doc.errors) {
    const pos = lc.linePos(e.pos[0]);
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      path: '(syntax)',
      message: e.message.split('\n')[0] ?? e.message,
    });
  }
  if (issues.length) return { issues };
  const root = doc.contents;
  if (!isMap(root)) {
    at(root, '(root)', 'must be a mapping of keys');
    return { issues };
  }
  const out: RawProfile = {
    name: '',
    description: '',
    roles: [],
    packages: [],
    modules: [],
    keep: [],
    abstract: false,
  };
  const strings = (node: unknown, path: string, check: (s: string) => string | undefined): string[] => {
    if (!isSeq(node)) {
      at(node as Node, path, 'must be a list');
      return [];
    }
    const list: string[] = [];
    node.items.forEach((item, i) => {
      if (!isScalar(item) || typeof item.value !== 'string')
        return at(item as Node, `${path}[${i}]`, 'must be a string');
      const problem = check(item.value);
      if (problem) at(item, `${path}[${i}]`, problem);
      else list.push(item.value);
    });
    return list;
  };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const value = pair.value as Node | null;
    switch (key) {
      case 'name':
      case 'description':
        if (!isScalar(value) || typeof value.value !== 'string' || !value.value)
          at(value ?? (pair.key as Node), key, 'must be a non-empty string');
        else out[key] = value.value;
        break;
      case 'abstract':
        if (!isScalar(value) || typeof value.value !== 'boolean') at(value, key, 'must be true or false');
        else out.abstract = value.value;
        break;
      case 'roles':
        out.roles = strings(value, key, (s) =>
          (ROLES as readonly string[]).includes(s)
            ? undefined
            : `unknown role '${s}', expected one of ${ROLES.join(', ')}`,
        ) as Role[];
        break;
      case 'packages':
        out.packages = strings(value, key, (s) =>
          PACKAGE_NAME.test(s) ? undefined : `'${s}' is not a Debian package name`,
        );
        break;
      case 'modules':
        out.modules = strings(value, key, (s) =>
          MODULE_PATTERN.test(s) && !s.startsWith('/')
            ? undefined
            : `'${s}' is not a module path pattern like drivers/net/virtio_net or net/netfilter/**`,
        );
        break;
      case 'keep':
        out.keep = strings(value, key, (s) =>
          (KEEPABLE as readonly string[]).includes(s)
            ? undefined
            : `unknown '${s}', expected one of ${KEEPABLE.join(', ')}`,
        ) as Keepable[];
        break;
      default:
        at(pair.key as Node, key, `unknown key '${key}'`);
    }
  }
  if (!out.name) at(root, 'name', 'is required');
  return issues.length ? { issues } : { profile: out, issues };
}

const uniqueSorted = (xs: readonly string[]) => [...new Set(xs)].sort();

/** The table rows of the roles an image of this profile runs: its own and the always-run ones. */
function rowsOf(roles: readonly Role[]): RoleRow[] {
  return (ROLE_TABLE as readonly RoleRow[]).filter(
    (r) => r.runs === 'always' || (roles as readonly string[]).includes(r.name),
  );
}

/** Merge a profile over the base profile, with its roles' packages (pure). */
export function mergeProfile(base: RawProfile, p: RawProfile): Profile {
  return Object.freeze({
    name: p.name,
    description: p.description,
    roles: Object.freeze([...p.roles]),
    packages: Object.freeze(
      uniqueSorted([...base.packages, ...p.packages, ...rowsOf(p.roles).flatMap((r) => r.packages)]),
    ),
    modules: Object.freeze(uniqueSorted([...base.modules, ...p.modules])),
    keep: Object.freeze(uniqueSorted([...base.keep, ...p.keep]) as Keepable[]),
  });
}

export function listProfiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !f.includes('.starter.'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((n) => n !== 'base')
    .sort();
}

function readRaw(dir: string, name: string): RawProfile {
  const file = join(dir, `${name}.yaml`);
  const { profile, issues } = parseProfile(readFileSync(file, 'utf8'), `profiles/${name}.yaml`);
  if (!profile) throw new ProfileError(issues);
  if (profile.name !== name) {
    throw new ProfileError([
      {
        file: `profiles/${name}.yaml`,
        line: 1,
        column: 1,
        path: 'name',
        message: `must be '${name}' (the file name), got '${profile.name}'`,
      },
    ]);
  }
  if (!profile.abstract) {
    const issues = roleTableIssues(name, profile.roles).map((message) => ({
      file: `profiles/${name}.yaml`,
      line: 1,
      column: 1,
      path: 'roles',
      message,
    }));
    if (issues.length) throw new ProfileError(issues);
  }
  return profile;
}

/**
 * What the role table says against a profile's `roles:` line: a role whose config sections this
 * profile's configs may not have, or a role the profile's configs require that it does not run. Pure.
 */
export function roleTableIssues(profile: string, roles: readonly Role[]): string[] {
  const out: string[] = [];
  for (const row of ROLE_TABLE as readonly RoleRow[]) {
    const listed = (roles as readonly string[]).includes(row.name);
    const allowed =
      (row.profiles.optional as readonly string[]).includes(profile) ||
      (row.profiles.required as readonly string[]).includes(profile);
    if (listed && !allowed)
      out.push(
        `role ${row.name}: a ${profile} config may not have its section (${row.sections.join(', ')}); see overlay/roles/table.ts`,
      );
    if (!listed && row.runs === 'profile' && (row.profiles.required as readonly string[]).includes(profile))
      out.push(`must list role ${row.name} (every ${profile} config has its section)`);
  }
  return out;
}

/**
 * A profile can be built only when every role it names has a module. Checked before any slow
 * stage runs, so `pillars build` fails at once with the profile file and the role.
 */
export function assertBuildable(profile: Profile): void {
  const missing = rolesWithoutModule(profile.roles);
  if (missing.length === 0) return;
  throw new UserError(
    `profiles/${profile.name}.yaml: role${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no module in overlay/roles yet; this profile cannot be built`,
    {
      hint: `build another profile, or write the role (a module under overlay/roles/ and its row in overlay/roles/table.ts)`,
      exitCode: 2,
    },
  );
}

/** Load a buildable profile by name from a profiles directory. */
export function loadProfile(dir: string, name: string): Profile {
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(join(dir, `${name}.yaml`)) || name === 'base') {
    throw new UserError(`unknown profile '${name}'`, {
      hint: `choose one of: ${listProfiles(dir).join(', ')}`,
      exitCode: 2,
    });
  }
  const raw = readRaw(dir, name);
  if (raw.abstract) throw new UserError(`profile '${name}' is abstract and cannot be built`, { exitCode: 2 });
  return mergeProfile(readRaw(dir, 'base'), raw);
}
