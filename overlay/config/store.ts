/**
 * pillars.yaml on the stick, saved atomically with history. The same protocol runs in the stick
 * CLI (over mtools) and in the appliance (`pillarsctl save`, over the mounted FAT directory).
 *
 * Files on the stick:
 *   pillars.yaml               the config; the last line is a trailer written by pillars:
 *                              "# pillars-generation: 12 2026-01-01T00:00:00.000Z sha256:<hex of the body>"
 *   pillars.new                only during a save: the next pillars.yaml, complete and flushed
 *   history/gen-000012.yaml    every saved generation (same bytes as pillars.yaml had); last 20 kept,
 *                              and the confirmed generation a pending mark names (mark.ts)
 *
 * Save: (hand edit kept as its own generation) → write history/gen-N → flush → write pillars.new →
 * flush → [remove pillars.yaml → flush, when rename cannot replace] → rename to pillars.yaml →
 * flush → prune history → flush. A power cut at any step leaves either the old or the new
 * generation readable:
 * Read: a pillars.yaml without a valid trailer was edited by hand and is taken as it is; otherwise
 * the newest generation whose checksum matches, from pillars.yaml, pillars.new or history/.
 */
import { sha256 } from './hash.js';
import { readMark } from './mark.js';

/** The few file operations the protocol needs; paths are relative to the stick root, "/"-separated. */
export interface StickFs {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Create or replace a file (not atomic: the protocol never relies on it being so). */
  write(path: string, data: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  /** Rename; when `renameReplaces` is false the target must not exist. */
  rename(from: string, to: string): Promise<void>;
  readonly renameReplaces: boolean;
  /** Names in a directory ([] when it does not exist). */
  list(dir: string): Promise<string[]>;
  /** Remove a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** Make everything written so far durable. */
  sync(): Promise<void>;
}

export const CONFIG_FILE = 'pillars.yaml';
export const PENDING_FILE = 'pillars.new';
export const HISTORY_DIR = 'history';
export const HISTORY_KEEP = 20;

const TRAILER = /\n?# pillars-generation: (\d+) (\S+) sha256:([0-9a-f]{64})\s*$/;

export { sha256 };

export interface Parsed {
  body: string;
  /** Generation from the trailer, if any. */
  gen: number | undefined;
  savedAt: string | undefined;
  /** Trailer present and the checksum matches the body. */
  valid: boolean;
}

export function splitTrailer(text: string): Parsed {
  const m = TRAILER.exec(text);
  if (!m) return { body: text, gen: undefined, savedAt: undefined, valid: false };
  const body = text.slice(0, m.index) + '\n';
  return { body, gen: Number(m[1]), savedAt: m[2], valid: sha256(body) === m[3] };
}

export function withTrailer(body: string, gen: number, savedAt: string): string {
  const b = body.endsWith('\n') ? body : body + '\n';
  return `${b}# pillars-generation: ${gen} ${savedAt} sha256:${sha256(b)}\n`;
}

export function historyPath(gen: number): string {
  return `${HISTORY_DIR}/gen-${String(gen).padStart(6, '0')}.yaml`;
}

export interface HistoryEntry {
  gen: number;
  path: string;
  savedAt: string | undefined;
  valid: boolean;
  body: string;
  /** Why the file could not be read at all (then valid is false and body empty). */
  unreadable?: string;
}

/**
 * A file's text; undefined when it does not exist; `{ unreadable }` when it exists but cannot be
 * read (a power cut can leave a FAT entry pointing at free clusters: the reader skips that file).
 */
async function readOrUnreadable(fs: StickFs, path: string): Promise<string | undefined | { unreadable: string }> {
  try {
    return await fs.read(path);
  } catch (e) {
    return { unreadable: (e instanceof Error ? e.message : String(e)).split('\n')[0]! };
  }
}

const unreadableNote = (path: string, why: string) => `${path} is unreadable (${why}); skipped`;

export async function listHistory(fs: StickFs): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for (const name of await fs.list(HISTORY_DIR)) {
    const m = /^gen-(\d+)\.yaml$/i.exec(name);
    if (!m) continue;
    const path = `${HISTORY_DIR}/${name}`;
    const text = await readOrUnreadable(fs, path);
    if (text === undefined) continue;
    if (typeof text !== 'string') {
      out.push({ gen: Number(m[1]), path, savedAt: undefined, valid: false, body: '', unreadable: text.unreadable });
      continue;
    }
    const p = splitTrailer(text);
    out.push({ gen: Number(m[1]), path, savedAt: p.savedAt, valid: p.valid && p.gen === Number(m[1]), body: p.body });
  }
  return out.sort((a, b) => a.gen - b.gen);
}

export interface Current {
  /** The config text without the trailer. */
  body: string;
  /** Generation (for a hand edit: the generation it was based on, 0 when unknown). */
  gen: number;
  source: string;
  handEdited: boolean;
  /** What the reader had to skip or repair, for the console / CLI. */
  notes: string[];
}

/** The config the stick holds now, or undefined when it holds none. */
export async function readCurrent(fs: StickFs): Promise<Current | undefined> {
  const notes: string[] = [];
  const candidates: { gen: number; body: string; source: string; rank: number }[] = [];
  const read = await readOrUnreadable(fs, CONFIG_FILE);
  if (typeof read === 'object') notes.push(unreadableNote(CONFIG_FILE, read.unreadable));
  const main = typeof read === 'string' ? read : undefined;
  const history = await listHistory(fs);
  const maxValid = () => Math.max(0, ...candidates.map((c) => c.gen));
  for (const h of history) {
    if (h.valid) candidates.push({ gen: h.gen, body: h.body, source: h.path, rank: 0 });
    else
      notes.push(
        h.unreadable ? unreadableNote(h.path, h.unreadable) : `${h.path} is damaged (checksum mismatch); skipped`,
      );
  }
  const pendingRead = await readOrUnreadable(fs, PENDING_FILE);
  if (typeof pendingRead === 'object') notes.push(unreadableNote(PENDING_FILE, pendingRead.unreadable));
  const pending = typeof pendingRead === 'string' ? pendingRead : undefined;
  if (pending !== undefined) {
    const p = splitTrailer(pending);
    if (p.valid && p.gen !== undefined) candidates.push({ gen: p.gen, body: p.body, source: PENDING_FILE, rank: 1 });
    else notes.push(`${PENDING_FILE} is incomplete (an interrupted save); skipped`);
  }
  if (main !== undefined) {
    const p = splitTrailer(main);
    if (!p.valid) {
      return { body: p.body, gen: p.gen ?? maxValid(), source: CONFIG_FILE, handEdited: true, notes };
    }
    candidates.push({ gen: p.gen!, body: p.body, source: CONFIG_FILE, rank: 2 });
  } else if (candidates.length > 0 && read === undefined) notes.push(`${CONFIG_FILE} is missing (an interrupted save)`);
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => b.gen - a.gen || b.rank - a.rank);
  const best = candidates[0]!;
  if (best.source !== CONFIG_FILE) notes.push(`using generation ${best.gen} from ${best.source}`);
  return { body: best.body, gen: best.gen, source: best.source, handEdited: false, notes };
}

export interface SaveOptions {
  now?: () => Date;
  keep?: number;
  /** Told the number the body gets, before anything is written (numbers of cut saves stay used). */
  onGeneration?: (gen: number) => void;
  /**
   * The lowest number the body may get: a config received from the peer keeps the sender's
   * generation (config sync), so a generation names the same text on both sticks.
   */
  atLeast?: number;
}

/** Save `body` as the next generation. Returns its number. */
export async function saveConfig(fs: StickFs, body: string, opts: SaveOptions = {}): Promise<number> {
  const now = () => (opts.now ?? (() => new Date()))().toISOString();
  const keep = opts.keep ?? HISTORY_KEEP;
  const cur = await readCurrent(fs);
  const history = await listHistory(fs);
  const pendingRead = await readOrUnreadable(fs, PENDING_FILE);
  const pendingGen = typeof pendingRead === 'string' ? (splitTrailer(pendingRead).gen ?? 0) : 0;
  let gen = Math.max(cur?.gen ?? 0, pendingGen, ...history.map((h) => h.gen)) + 1;
  await fs.mkdir(HISTORY_DIR);
  if (cur?.handEdited && cur.body.trim() !== '') {
    // Keep the hand-edited file as a generation of its own, so restore can bring it back.
    await fs.write(historyPath(gen), withTrailer(cur.body, gen, now()));
    await fs.sync();
    gen++;
  }
  gen = Math.max(gen, opts.atLeast ?? 0);
  opts.onGeneration?.(gen);
  const text = withTrailer(body, gen, now());
  await fs.write(historyPath(gen), text);
  await fs.sync();
  await fs.write(PENDING_FILE, text);
  await fs.sync();
  if (!fs.renameReplaces && (await fs.read(CONFIG_FILE)) !== undefined) {
    await fs.remove(CONFIG_FILE);
    await fs.sync();
  }
  await fs.rename(PENDING_FILE, CONFIG_FILE);
  await fs.sync();
  // The generation a pending mark falls back to (mark.ts) stays, however old it is.
  const confirmed = (await readMark(fs)).mark?.confirmed;
  const all = (await listHistory(fs)).filter((h) => h.gen !== confirmed);
  const old = all.filter((h) => h.gen <= gen).slice(0, Math.max(0, all.length - keep));
  if (old.length > 0) {
    for (const h of old) await fs.remove(h.path);
    await fs.sync();
  }
  return gen;
}

export async function readGeneration(fs: StickFs, gen: number): Promise<HistoryEntry | undefined> {
  return (await listHistory(fs)).find((h) => h.gen === gen && h.valid);
}

/** Make generation `gen` current again (as a new generation, so nothing is lost). */
export async function restoreGeneration(fs: StickFs, gen: number, opts: SaveOptions = {}): Promise<number | undefined> {
  const h = await readGeneration(fs, gen);
  if (!h) return undefined;
  return saveConfig(fs, h.body, opts);
}
