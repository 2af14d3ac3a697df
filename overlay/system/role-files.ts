/**
 * The RoleSystem the roles are applied through: files written whole (a temp file in the same
 * directory, created with its mode, then renamed over the old one, so a daemon never reads half a
 * file and a secret is never readable for an instant), sysctls, and the checkers run through exec.
 */
import { mkdir, readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RoleSystem } from '../roles/index.js';
import { sysctlPath } from '../roles/index.js';
import { exec as defaultExec, type Exec } from './exec.js';

export function createRoleFiles(opts: { exec?: Exec; sysctlRoot?: string } = {}): RoleSystem {
  const run = opts.exec ?? defaultExec;
  const sysctlRoot = opts.sysctlRoot ?? '';
  return {
    async writeFile(path, content, mode) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${dirname(path)}/.${path.slice(path.lastIndexOf('/') + 1)}.${process.pid}.tmp`;
      try {
        await writeFile(tmp, content, { mode, flag: 'w' });
        // The umask may have taken bits away; the file gets exactly the mode asked for.
        await chmod(tmp, mode);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async readFile(path) {
      try {
        const [content, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
        return { content, mode: st.mode & 0o7777 };
      } catch {
        return undefined;
      }
    },
    removeFile: (path) => rm(path, { force: true }),
    // Never mkdir under /proc: Node's recursive mkdir of a missing procfs directory (a sysctl key
    // whose module is not loaded) loops forever and freezes the supervisor; the write fails instead.
    writeSysctl: (key, value) => writeFile(`${sysctlRoot}${sysctlPath(key)}`, `${value}\n`),
    async run(argv) {
      const r = await run(argv, { timeoutMs: 60_000 });
      return { code: r.code, output: r.stdout + r.stderr };
    },
  };
}
