/**
 * StickFs over a mounted directory (the appliance mounts the FAT stick read-write only for a save).
 * Every write is fsynced; sync() also flushes the directories so renames are on the medium.
 */
import { promises as fsp, constants } from 'node:fs';
import { join } from 'node:path';
import type { StickFs } from './store.js';

export class DirectoryStickFs implements StickFs {
  readonly renameReplaces = true;
  constructor(readonly root: string) {}

  private abs(path: string): string {
    if (path.split('/').includes('..')) throw new Error(`path leaves the stick: ${path}`);
    return join(this.root, path);
  }
  async read(path: string): Promise<string | undefined> {
    try {
      return await fsp.readFile(this.abs(path), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
  async write(path: string, data: string): Promise<void> {
    const fh = await fsp.open(this.abs(path), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  async mkdir(path: string): Promise<void> {
    await fsp.mkdir(this.abs(path), { recursive: true });
  }
  /** Rename, then fsync the renamed file: on FAT its directory entry is part of its inode. */
  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(this.abs(from), this.abs(to));
    const fh = await fsp.open(this.abs(to), constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  async list(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(this.abs(dir))).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
  async remove(path: string): Promise<void> {
    await fsp.rm(this.abs(path), { force: true });
  }
  async sync(): Promise<void> {
    for (const d of [this.root, join(this.root, 'history')]) {
      let fh: fsp.FileHandle | undefined;
      try {
        fh = await fsp.open(d, constants.O_RDONLY);
        await fh.sync();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      } finally {
        await fh?.close();
      }
    }
  }
}
