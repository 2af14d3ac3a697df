import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRolePlan, type RolePlan } from '../../../overlay/roles/index.js';
import { createRoleFiles } from '../../../overlay/system/role-files.js';
import type { Exec } from '../../../overlay/system/exec.js';

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;

describe('role files on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pillars-role-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The checker decides: exit 1 for every command naming `failing`.
  const execFailing =
    (failing: string | undefined): Exec =>
    async (argv) =>
      failing && argv.includes(failing)
        ? { code: 1, stdout: '', stderr: 'bad config' }
        : { code: 0, stdout: '', stderr: '' };

  /** A CARP-like plan: an executable up script, a private password file, a new file. */
  const plan = (d: string, check: string): RolePlan => ({
    roles: ['carp'],
    files: [
      { path: `${d}/ucarp/up.sh`, content: 'new up\n', mode: 0o755 },
      { path: `${d}/ucarp/pass`, content: 'new secret\n', mode: 0o600 },
      { path: `${d}/ucarp/new.conf`, content: 'new\n' },
    ],
    checks: [{ what: 'ucarp', command: ['check', check] }],
    sysctls: { 'net.ipv4.ip_forward': '1' },
    services: [],
  });

  it('a failed apply puts every file back with its own mode, and removes the new ones', async () => {
    await mkdir(join(dir, 'ucarp'));
    await writeFile(join(dir, 'ucarp/up.sh'), 'old up\n');
    await chmod(join(dir, 'ucarp/up.sh'), 0o755);
    await writeFile(join(dir, 'ucarp/pass'), 'old secret\n');
    await chmod(join(dir, 'ucarp/pass'), 0o600);
    const sys = createRoleFiles({ exec: execFailing('fail-me'), sysctlRoot: dir });
    const r = await applyRolePlan(plan(dir, 'fail-me'), sys);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual(['ucarp: check fail-me failed (exit 1): bad config']);
    expect(await readFile(join(dir, 'ucarp/up.sh'), 'utf8')).toBe('old up\n');
    expect(await modeOf(join(dir, 'ucarp/up.sh'))).toBe(0o755);
    expect(await readFile(join(dir, 'ucarp/pass'), 'utf8')).toBe('old secret\n');
    expect(await modeOf(join(dir, 'ucarp/pass'))).toBe(0o600);
    expect((await readdir(join(dir, 'ucarp'))).sort()).toEqual(['pass', 'up.sh']);
  });

  it('a good apply writes each file with its mode, leaves no temp files, then the sysctls', async () => {
    await mkdir(join(dir, 'proc/sys/net/ipv4'), { recursive: true });
    const sys = createRoleFiles({ exec: execFailing(undefined), sysctlRoot: dir });
    expect(await applyRolePlan(plan(dir, 'ok'), sys)).toEqual({ ok: true, errors: [] });
    expect(await modeOf(join(dir, 'ucarp/up.sh'))).toBe(0o755);
    expect(await modeOf(join(dir, 'ucarp/pass'))).toBe(0o600);
    expect(await modeOf(join(dir, 'ucarp/new.conf'))).toBe(0o644);
    expect((await readdir(join(dir, 'ucarp'))).sort()).toEqual(['new.conf', 'pass', 'up.sh']);
    expect(await readFile(join(dir, 'proc/sys/net/ipv4/ip_forward'), 'utf8')).toBe('1\n');
  });

  it('an edited system file keeps its other lines, and a failed apply puts it back as it was', async () => {
    const shadow = join(dir, 'shadow');
    await writeFile(shadow, 'root:!:0:0:99999:7:::\nhacluster:!:19000::::::\n');
    await chmod(shadow, 0o640);
    const edited = (check: string): RolePlan => ({
      roles: ['admin'],
      files: [],
      edits: [{ path: shadow, mode: 0o600, edit: (cur) => cur.replace(/^root:!:/, 'root:$6$h:') }],
      checks: [{ what: 'admin', command: ['check', check] }],
      sysctls: {},
      services: [],
    });
    const sys = createRoleFiles({ exec: execFailing('fail-me'), sysctlRoot: dir });
    expect((await applyRolePlan(edited('fail-me'), sys)).ok).toBe(false);
    expect(await readFile(shadow, 'utf8')).toBe('root:!:0:0:99999:7:::\nhacluster:!:19000::::::\n');
    expect(await modeOf(shadow)).toBe(0o640);
    expect(await applyRolePlan(edited('ok'), sys)).toEqual({ ok: true, errors: [] });
    expect(await readFile(shadow, 'utf8')).toBe('root:$6$h:0:0:99999:7:::\nhacluster:!:19000::::::\n');
    expect(await modeOf(shadow)).toBe(0o600);
  });

  it('a private file is never world-readable, not even replacing a public one', async () => {
    await mkdir(join(dir, 'ucarp'));
    await writeFile(join(dir, 'ucarp/pass'), 'old\n');
    await chmod(join(dir, 'ucarp/pass'), 0o644);
    await createRoleFiles().writeFile(join(dir, 'ucarp/pass'), 'secret\n', 0o600);
    expect(await modeOf(join(dir, 'ucarp/pass'))).toBe(0o600);
  });
});
