/** Where the integration tests find the image they boot (built once by setup-image.ts). */
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export const root = join(import.meta.dirname, '..', '..');
export const outRoot = process.env.PILLARS_TEST_OUT ?? join(root, 'out');

/** The profiles the integration tests build (setup-image.ts) and read back. */
export function testProfiles(): string[] {
  return (process.env.PILLARS_TEST_PROFILES ?? 'director,router,realserver,firewall,heartbeat').split(',');
}

export function imagePath(profile: string, file: string): string {
  return join(outRoot, profile, file);
}

export function requireImage(profile: string): void {
  if (!existsSync(imagePath(profile, 'manifest.json')))
    throw new Error(`no ${profile} image under ${outRoot}: setup-image did not build it`);
}

/** Boots under TCG are slow and vary with load: every wait below uses these generous limits. */
export const BOOT_TIMEOUT_MS = 240_000;
