/**
 * Commit-confirm on the stick: which generation a box boots when a mark names one on probation,
 * and the writes that set a mark (mark.ts holds the file and its atomic protocol). Shared by the
 * stick CLI (`pillars stick … --confirm`) and the appliance (`pillarsctl reload --confirm`,
 * `pillarsctl save` while a change awaits confirmation, `pillarsctl confirm`).
 *
 * The confirmed generation a mark names is the last config known good: the generation holding the
 * config the box ran confirmed (found by its sha256), else what the stick would have booted
 * without the change (its current generation, or the confirmed one of a mark that applies to it).
 */
import { sha256 } from './hash.js';
import { clearMark, readMark, writeMark, type PendingMark } from './mark.js';
import {
  listHistory,
  readCurrent,
  readGeneration,
  saveConfig,
  splitTrailer,
  PENDING_FILE,
  type Current,
  type HistoryEntry,
  type SaveOptions,
  type StickFs,
} from './store.js';

/** `--confirm MINUTES`: whole minutes in this range. */
export const CONFIRM_MINUTES = { min: 1, max: 60 } as const;

/**
 * The stick's current generation is on probation under this mark: the one it names (same number,
 * same text), or one between the confirmed and that one — written while on probation and left
 * current by a cut save, or chosen by the reader because a newer file was damaged. A hand edit or
 * any later save is not.
 */
export function markApplies(mark: PendingMark | undefined, cur: Current | undefined): mark is PendingMark {
  if (mark === undefined || cur === undefined || cur.handEdited || cur.gen <= mark.confirmed) return false;
  if (cur.gen < mark.pending.generation) return true;
  return cur.gen === mark.pending.generation && sha256(cur.body) === mark.pending.sha256;
}

export interface StickProbation {
  current: Current | undefined;
  /** The mark when it applies to the current generation (a stale one is left out). */
  mark: PendingMark | undefined;
  /** The generation the mark names as confirmed, when it is intact in history/. */
  confirmed: HistoryEntry | undefined;
  /** A mark that names another generation than the current one (a later save made it stale). */
  stale: boolean;
  notes: string[];
}

/** What the stick says about probation: read-only. `known`: its current config, when just read. */
export async function readProbation(fs: StickFs, known?: Current): Promise<StickProbation> {
  const { mark, notes } = await readMark(fs);
  const current = known ?? (await readCurrent(fs));
  const applies = markApplies(mark, current);
  const confirmed = applies ? await readGeneration(fs, mark.confirmed) : undefined;
  return { current, mark: applies ? mark : undefined, confirmed, stale: mark !== undefined && !applies, notes };
}

/** The newest intact generation whose config text has this sha256. */
async function generationOf(fs: StickFs, sha: string): Promise<number | undefined> {
  const hit = (await listHistory(fs)).filter((h) => h.valid && sha256(h.body) === sha).at(-1);
  return hit?.gen;
}

/** What the stick would boot without a change: the confirmed generation of a mark on the current one, or it. */
function bootsNow(cur: Current | undefined, mark: PendingMark | undefined): number | undefined {
  if (markApplies(mark, cur)) return mark.confirmed;
  if (!cur || cur.handEdited) return undefined;
  return cur.gen;
}

/** The number saveConfig gives the next body (it keeps a hand edit as its own generation first). */
async function nextGeneration(fs: StickFs, cur: Current | undefined): Promise<number> {
  const history = await listHistory(fs);
  const pending = await fs.read(PENDING_FILE).catch(() => undefined);
  const pendingGen = pending !== undefined ? (splitTrailer(pending).gen ?? 0) : 0;
  return Math.max(cur?.gen ?? 0, pendingGen, ...history.map((h) => h.gen)) + 1;
}

export interface PendingRequest {
  /** sha256 of the config the box ran confirmed, if it knows one; found in history/ when there. */
  confirmedSha?: string;
  windowSeconds: number;
  since: string;
  tried: boolean;
  by: string;
}

/** Why a mark cannot be written: nothing confirmed on the stick to fall back to. */
export class NoConfirmedGeneration extends Error {}

/**
 * Save `body` as the next generation on probation: the mark first (naming the number the save
 * will give it), then the save. A cut before the save completes leaves the old generation current
 * (the mark does not apply to it); after, the new one with its mark.
 */
export async function savePending(
  fs: StickFs,
  body: string,
  req: PendingRequest,
  opts: SaveOptions = {},
): Promise<{ gen: number; mark: PendingMark }> {
  const cur = await readCurrent(fs);
  const { mark: old } = await readMark(fs);
  let next = await nextGeneration(fs, cur);
  // saveConfig keeps a hand-edited pillars.yaml as a generation of its own first: that is the one
  // the stick would have booted.
  const handEdit = cur?.handEdited && cur.body.trim() !== '' ? next++ : undefined;
  const confirmed =
    (req.confirmedSha && (await generationOf(fs, req.confirmedSha))) || (handEdit ?? bootsNow(cur, old));
  if (confirmed === undefined)
    throw new NoConfirmedGeneration('the stick holds no confirmed generation to fall back to');
  const text = body.endsWith('\n') ? body : body + '\n';
  const mark: PendingMark = {
    pending: { generation: next, sha256: sha256(text) },
    confirmed,
    windowSeconds: req.windowSeconds,
    since: req.since,
    tried: req.tried,
    by: req.by,
  };
  await writeMark(fs, mark);
  const gen = await saveConfig(fs, text, opts);
  if (gen !== mark.pending.generation) {
    // Never expected (one writer); put the number right rather than leave a stale mark.
    mark.pending.generation = gen;
    await writeMark(fs, mark);
  }
  return { gen, mark };
}

/**
 * Mark the stick's current generation as on probation (the box runs it from the stick after a
 * `reload --confirm`). Returns the mark, or why none could be written.
 */
export async function markCurrent(
  fs: StickFs,
  pendingSha: string,
  req: PendingRequest,
): Promise<{ mark: PendingMark } | { why: string }> {
  const cur = await readCurrent(fs);
  if (!cur || cur.handEdited || sha256(cur.body) !== pendingSha)
    return { why: 'the config on probation is not the stick’s current generation' };
  const { mark: old } = await readMark(fs);
  const confirmed =
    (req.confirmedSha && (await generationOf(fs, req.confirmedSha))) ||
    (markApplies(old, cur) ? old.confirmed : undefined);
  if (confirmed === undefined || confirmed === cur.gen)
    return { why: 'the stick holds no confirmed generation older than it' };
  const mark: PendingMark = {
    pending: { generation: cur.gen, sha256: pendingSha },
    confirmed,
    windowSeconds: req.windowSeconds,
    since: req.since,
    tried: req.tried,
    by: req.by,
  };
  await writeMark(fs, mark);
  return { mark };
}

/** Record that the box runs the pending generation now (before it runs it). */
export async function markTried(fs: StickFs, mark: PendingMark): Promise<PendingMark> {
  const tried = { ...mark, tried: true };
  await writeMark(fs, tried);
  return tried;
}

export { clearMark, readMark };
