#!/usr/bin/env node
// Runs before `npm test` and `npm run bench`: makes a fresh clone ready by itself —
// installs the npm dependencies if they are missing, compiles the TypeScript, and (as root)
// installs the Debian host tools the tests use.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('pillars: installing npm dependencies (npm ci)');
  sh('npm', ['ci', '--no-audit', '--no-fund']);
} else {
  sh('npx', ['tsc', '-p', 'tsconfig.json']);
}
if (process.getuid?.() === 0) sh(process.execPath, [join(root, 'bin', 'pillars.mjs'), 'doctor', '--install']);
else console.error('pillars: not root — skipping host tool installation (run `pillars doctor`)');
