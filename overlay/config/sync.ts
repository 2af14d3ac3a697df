/**
 * Config sync between the two sticks of a pair: which side is newer, decided from what each stick
 * already records. Every saved generation carries a trailer with its number and the sha256 of its
 * text, and a stick keeps the last HISTORY_KEEP generations. A *version* is the pair (generation,
 * sha256); a config sent to the peer keeps the sender's generation number there, so one version
 * names the same text on both sticks. A stick's *lineage* is the list of versions it holds.
 *
 *   equal         both current versions have the same text
 *   local newer   the peer's current version is in this lineage: only this side changed since
 *   remote newer  this current version is in the peer's lineage: only the peer changed since
 *   conflict      neither: both changed since the last common version (the newest version both
 *                 lineages hold), or they share none
 *
 * Pure, apart from `readLineage`, which reads a stick through the StickFs of store.ts. A stick whose
 * current generation is on probation (commit-confirm) counts as its confirmed generation, the one
 * it boots: an unconfirmed config never goes to the peer.
 */
import { sha256 } from './hash.js';
import { readProbation } from './confirm.js';
import { listHistory, type StickFs } from './store.js';

export interface Version {
  generation: number;
  sha256: string;
}

export interface Lineage {
  current: Version;
  /** Every version the stick holds, oldest first, the current one included. */
  versions: Version[];
}

export type Relation = 'equal' | 'local-newer' | 'remote-newer' | 'conflict';

export interface SyncDecision {
  relation: Relation;
  /** The newest version both lineages hold (undefined when they share none). */
  common?: Version;
}

/** Most versions a lineage carries over the peer channel (a stick keeps 20, plus a hand edit and a new one). */
export const MAX_LINEAGE = 64;

/** The sha256 a config text has as a generation (the trailer's: the text ends with a newline). */
export function versionSha(body: string): string {
  return sha256(body.endsWith('\n') ? body : body + '\n');
}

export const sameVersion = (a: Version | undefined, b: Version | undefined): boolean =>
  a !== undefined && b !== undefined && a.generation === b.generation && a.sha256 === b.sha256;

const holds = (l: Lineage, v: Version) => l.versions.some((x) => sameVersion(x, v));

/** The newest version both lineages hold. */
export function lastCommon(a: Lineage, b: Lineage): Version | undefined {
  return [...a.versions].sort((x, y) => y.generation - x.generation).find((v) => holds(b, v));
}

/** How `local` stands to `remote` (see the module comment). */
export function relate(local: Lineage, remote: Lineage): SyncDecision {
  const common = lastCommon(local, remote);
  const withCommon = (relation: Relation): SyncDecision => ({ relation, ...(common ? { common } : {}) });
  if (local.current.sha256 === remote.current.sha256) return withCommon('equal');
  if (holds(local, remote.current)) return { relation: 'local-newer', common: remote.current };
  if (holds(remote, local.current)) return { relation: 'remote-newer', common: local.current };
  return withCommon('conflict');
}

/** The highest generation number a lineage holds (0 for none). */
export function maxGeneration(l: Lineage | undefined): number {
  return Math.max(0, ...(l?.versions ?? []).map((v) => v.generation));
}

/** `base` (and what came before it) followed by `next`: the lineage of a config derived from base. */
export function derive(l: Lineage, base: Version, next: Version): Lineage {
  const upTo = l.versions.filter((v) => v.generation < base.generation || sameVersion(v, base));
  const before = upTo.some((v) => sameVersion(v, base)) ? upTo : [...upTo, base];
  if (sameVersion(base, next) || base.sha256 === next.sha256) return { current: base, versions: before };
  return { current: next, versions: [...before, next] };
}

/** What a stick holds for config sync. */
export interface StickLineage {
  lineage: Lineage;
  /** The text of the lineage's current version. */
  body: string;
  /**
   * A generation on probation (commit-confirm's mark applies to the stick's current one): the
   * stick boots the confirmed generation, so that one is its current version for config sync.
   */
  unconfirmed?: Version;
}

/** What a stick holds (see StickLineage); undefined without a config. */
export async function readLineage(fs: StickFs): Promise<StickLineage | undefined> {
  const p = await readProbation(fs);
  const cur = p.current;
  if (!cur) return undefined;
  const current = { generation: cur.gen, sha256: versionSha(cur.body) };
  const versions: Version[] = (await listHistory(fs))
    .filter((h) => h.valid)
    .map((h) => ({ generation: h.gen, sha256: versionSha(h.body) }));
  if (!versions.some((v) => sameVersion(v, current))) versions.push(current);
  versions.sort((a, b) => a.generation - b.generation);
  if (p.mark && p.confirmed) {
    const confirmed = { generation: p.confirmed.gen, sha256: versionSha(p.confirmed.body) };
    return {
      lineage: {
        current: confirmed,
        versions: versions.filter((v) => v.generation <= confirmed.generation).slice(-MAX_LINEAGE),
      },
      body: p.confirmed.body,
      unconfirmed: current,
    };
  }
  return { lineage: { current, versions: versions.slice(-MAX_LINEAGE) }, body: cur.body };
}

const isVersion = (v: unknown): v is Version =>
  typeof v === 'object' &&
  v !== null &&
  Number.isSafeInteger((v as Version).generation) &&
  (v as Version).generation >= 0 &&
  typeof (v as Version).sha256 === 'string' &&
  /^[0-9a-f]{64}$/.test((v as Version).sha256);

/** A lineage as it arrives over the peer channel, checked; undefined when it is not one. */
export function parseLineage(v: unknown): Lineage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { current, versions } = v as { current?: unknown; versions?: unknown };
  if (!isVersion(current) || !Array.isArray(versions) || versions.length > MAX_LINEAGE) return undefined;
  if (!versions.every(isVersion)) return undefined;
  const clean = (x: Version): Version => ({ generation: x.generation, sha256: x.sha256 });
  const list = versions.map(clean);
  if (!list.some((x) => sameVersion(x, current))) return undefined;
  return { current: clean(current), versions: list };
}
