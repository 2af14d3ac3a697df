/** Create and check the FAT filesystem of a stick (mkfs.fat / fsck.fat through the one spawn site). */
import { rm } from 'node:fs/promises';
import { run as defaultRun, type Runner } from '../exec.js';
import { LABEL } from './device.js';

export const FLOPPY_KIB = 1440;
export const DEFAULT_IMAGE_MIB = 16;

/** mkfs.fat arguments: a new image file of `kib` KiB, or the whole device. Pure, for tests. */
export function mkfsArgs(target: string, kind: 'image' | 'device', kib: number): string[] {
  const common = ['-n', LABEL, '-i', '50494c4c'];
  if (kind === 'device') return ['-I', ...common, target];
  return [
    '-C',
    ...(kib === FLOPPY_KIB ? ['-f', '2', '-r', '224', '-s', '1', '-F', '12'] : []),
    ...common,
    target,
    String(kib),
  ];
}

export async function makeFat(
  target: string,
  kind: 'image' | 'device',
  kib: number,
  runner: Runner = defaultRun,
): Promise<void> {
  if (kind === 'image') await rm(target, { force: true });
  await runner('mkfs.fat', mkfsArgs(target, kind, kib), { hint: 'mkfs.fat is in the dosfstools package' });
}

export interface FsckResult {
  clean: boolean;
  output: string;
}

/** Read-only check (fsck.fat -n). */
export async function checkFat(target: string, runner: Runner = defaultRun): Promise<FsckResult> {
  const r = await runner('fsck.fat', ['-n', target], {
    allowFailure: true,
    hint: 'fsck.fat is in the dosfstools package',
  });
  return { clean: r.code === 0, output: (r.stdout + r.stderr).trim() };
}
