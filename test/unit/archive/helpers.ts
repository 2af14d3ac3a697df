import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveRecord } from '../../../builder/archive/records.js';

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `archive-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sh(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): string {
  return execFileSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export const file = (path: string, content: string, extra: Partial<ArchiveRecord> = {}): ArchiveRecord => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
  body: Buffer.from(content),
  ...extra,
});
export const dir = (path: string, extra: Partial<ArchiveRecord> = {}): ArchiveRecord => ({
  path,
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
  ...extra,
});
export const symlink = (path: string, target: string): ArchiveRecord => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
  linkTarget: target,
});
export const hardlink = (path: string, target: string): ArchiveRecord => ({
  path,
  type: 'hardlink',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
  linkTarget: target,
});
