/**
 * A drill pair for a test file: booted once before its tests, disposed after them, and checked
 * to leave nothing behind (namespaces, taps, QEMU processes).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { dirname } from 'node:path';
import { startDrillLab, type DrillLab, type DrillLabOptions } from '../../builder/drill/drill.js';
import { createLogger, type Logger } from '../../builder/log.js';
import { imagePath, requireImage } from './image.js';

export const log: Logger = createLogger();

/** Registers the hooks; the returned function gives the booted pair inside tests. */
export function useDrillLab(o: Omit<DrillLabOptions, 'imageDir' | 'log'>): () => DrillLab {
  let dl: DrillLab | undefined;
  beforeAll(async () => {
    requireImage(o.profile);
    dl = await startDrillLab({ ...o, imageDir: dirname(imagePath(o.profile, 'initrd.img')), log });
  }, 600_000);
  afterAll(async () => {
    await dl?.dispose();
    if (dl) expect(await dl.lab.listLeftovers()).toEqual([]);
  }, 120_000);
  return () => {
    if (!dl) throw new Error('the drill pair did not boot (see beforeAll)');
    return dl;
  };
}
