/**
 * The config stick at its mount point: mounted read-only at boot, read-write only for the span of
 * a save (remounted with `sync`, then read-only again), unmounted at shutdown.
 */
import { mkdirSync } from 'node:fs';
import { DirectoryStickFs, loadStickConfig, saveConfig, type StickConfig } from '../config/index.js';
import { readLineage } from '../config/sync.js';
import { bb, describeFailure, exec, execOk } from './exec.js';
import { readOr } from './host.js';

/** Whether something is mounted at `target` (from /proc/self/mounts). */
export function isMounted(target: string, mounts = readOr('/proc/self/mounts', '')): boolean {
  return mounts.split('\n').some((l) => l.split(' ')[1] === target);
}

export function createStick(mountPoint: string) {
  const fs = () => new DirectoryStickFs(mountPoint);
  return {
    mountPoint,
    mounted: () => isMounted(mountPoint),
    load: (): Promise<StickConfig> => loadStickConfig(fs()),
    lineage: () => readLineage(fs()),
    async mountReadOnly(device: string): Promise<void> {
      if (isMounted(mountPoint)) return;
      mkdirSync(mountPoint, { recursive: true });
      await execOk(bb('mount', '-t', 'vfat', '-o', 'ro,nosuid,nodev,noexec', device, mountPoint));
    },
    async save(body: string, say: (line: string) => void, opts: { atLeast?: number } = {}): Promise<number> {
      // sync (which implies dirsync): Linux FAT otherwise defers the directory entry of a
      // rename-over until inode writeback, while the replaced file's clusters are freed at once,
      // so a power cut in between left pillars.yaml pointing at free clusters (found by the
      // power-cut test).
      await execOk(bb('mount', '-o', 'remount,rw,sync', mountPoint));
      try {
        const gen = await saveConfig(fs(), body, {
          onGeneration: (g) => say(`pillars: writing generation ${g} to the stick`),
          ...(opts.atLeast !== undefined ? { atLeast: opts.atLeast } : {}),
        });
        await exec(bb('sync'));
        return gen;
      } finally {
        const back = await exec(bb('mount', '-o', 'remount,ro,async', mountPoint));
        if (back.code !== 0)
          say(
            `pillars: WARNING: stick stays read-write: ${describeFailure(['mount', '-o', 'remount,ro,async', mountPoint], back)}`,
          );
      }
    },
    async unmount(): Promise<void> {
      await exec(bb('umount', mountPoint));
    },
  };
}
