/**
 * A drill pair for a test file: booted once before its tests, disposed after them, and checked
 * to leave nothing behind (namespaces, taps, QEMU processes).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { dirname } from 'node:path';
import { masterAndBackup, startDrillLab, type DrillLab, type DrillLabOptions } from '../../builder/drill/drill.js';
import type { DrillReport } from '../../builder/drill/report.js';
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

/** The takeover's parts on the new master's console: the advert timeout, then the VIPs. */
export function expectTakeoverParts(report: DrillReport): void {
  for (const r of report.runs) {
    expect(r.detect_ms, 'the advert timeout on the new master').toBeGreaterThan(0);
    expect(r.vip_up_ms, 'the VIPs set after it').toBeGreaterThanOrEqual(r.detect_ms!);
  }
}

/** The pair settles into exactly one MASTER and one BACKUP again (bounded: 120 s). */
export async function expectOneMaster(dl: DrillLab): Promise<void> {
  const end = Date.now() + 120_000;
  while (!masterAndBackup(dl.nodes) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  expect(masterAndBackup(dl.nodes)).toBeDefined();
}
