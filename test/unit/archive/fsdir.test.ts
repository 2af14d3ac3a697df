import { linkSync, mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordsFromDir, splitDev } from '../../../builder/archive/fsdir.js';
import { cpioToBuffer } from '../../../builder/archive/cpio.js';
import { sh, tempDir } from './helpers.js';

const tmp = tempDir('fsdir');
afterAll(() => tmp.cleanup());

describe('recordsFromDir', () => {
  it('walks a tree sorted, root-owned, with modes, symlinks and hardlinks', async () => {
    const root = join(tmp.dir, 'overlay');
    mkdirSync(join(root, 'etc/init'), { recursive: true });
    writeFileSync(join(root, 'etc/init/b'), 'B');
    writeFileSync(join(root, 'etc/a'), 'A');
    chmodSync(join(root, 'etc/a'), 0o600);
    linkSync(join(root, 'etc/a'), join(root, 'etc/z'));
    symlinkSync('a', join(root, 'etc/link'));
    sh('mkfifo', [join(root, 'etc/fifo')]);
    const recs = await recordsFromDir(root, { prefix: 'opt/ov', includePrefix: true });
    expect(recs.map((r) => `${r.path}:${r.type}`)).toEqual([
      'opt:dir',
      'opt/ov:dir',
      'opt/ov/etc:dir',
      'opt/ov/etc/a:file',
      'opt/ov/etc/fifo:fifo',
      'opt/ov/etc/init:dir',
      'opt/ov/etc/init/b:file',
      'opt/ov/etc/link:symlink',
      'opt/ov/etc/z:hardlink',
    ]);
    expect(recs.every((r) => r.uid === 0 && r.gid === 0)).toBe(true);
    expect(recs.find((r) => r.path === 'opt/ov/etc/a')).toMatchObject({ mode: 0o600, nlink: 2, size: 1 });
    expect(recs.find((r) => r.path === 'opt/ov/etc/z')?.linkTarget).toBe('opt/ov/etc/a');
    const listing = sh('cpio', ['-itv', '--quiet'], { input: await cpioToBuffer(recs) });
    expect(listing).toMatch(/^-rw------- +2 root +root +1 .* opt\/ov\/etc\/a$/m);
  });

  it('splits dev_t like glibc', () => {
    expect(splitDev((8 << 8) | 17)).toEqual({ major: 8, minor: 17 });
    expect(splitDev(0x10_0300 + 0x0000_0005)).toEqual({ major: 3, minor: 0x105 });
  });
});
