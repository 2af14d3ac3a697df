/**
 * What this image is: the build writes its profile and roles into usr/lib/pillars/build.json.
 * An image that cannot say its profile enforces nothing (the appliance then stays in the safe state).
 */
import { readFileSync } from 'node:fs';
import type { ImageInfo } from '../roles/enforce.js';

export const BUILD_INFO = '/usr/lib/pillars/build.json';

/** Parse build.json's text. Pure: an error names what is wrong. */
export function parseImageInfo(text: string): ImageInfo {
  const j = JSON.parse(text) as { profile?: unknown; roles?: unknown };
  if (typeof j.profile !== 'string' || !Array.isArray(j.roles) || !j.roles.every((r) => typeof r === 'string')) {
    throw new Error(`${BUILD_INFO} has no profile and roles`);
  }
  return { profile: j.profile, roles: j.roles as string[] };
}

export function readImageInfo(path = BUILD_INFO): ImageInfo {
  return parseImageInfo(readFileSync(path, 'utf8'));
}
