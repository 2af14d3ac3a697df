/**
 * The stick's pending mark: a small file that names the generation awaiting confirmation and the
 * last confirmed generation (commit-confirm). A stick without it behaves as before.
 *
 *   pillars.unconfirmed       the mark (key: value lines and a checksum line, below)
 *   pillars.unconfirmed.new   only while the mark is being replaced: the next mark, complete
 *
 * The mark applies while the stick's current generation is the one it names (number and sha256);
 * any later save makes it stale, and a stale mark changes nothing. Written atomically like a save:
 * the next mark to the .new file → flush → [remove the mark → flush, when rename cannot replace]
 * → rename → flush. A reader takes the .new file when it is complete (it is the newer intent),
 * else the mark; a damaged file is skipped with a note. Clearing removes the .new file first, so
 * a cut leaves the old mark (the conservative side: the box then boots the confirmed generation).
 */
import { sha256 } from './hash.js';
import type { StickFs } from './store.js';

export const MARK_FILE = 'pillars.unconfirmed';
export const MARK_NEW = 'pillars.unconfirmed.new';

/** A generation on probation and the one to fall back to. */
export interface PendingMark {
  /** The generation awaiting confirmation: its number and the sha256 of its config text. */
  pending: { generation: number; sha256: string };
  /** The last confirmed generation (in history/): what the box boots instead. */
  confirmed: number;
  /** How long the box waits for `pillarsctl confirm` before it rolls back, in seconds. */
  windowSeconds: number;
  /** When the probation began (ISO time). */
  since: string;
  /**
   * The box has run the pending generation. An untried mark (written by `pillars stick … --confirm`)
   * makes the next boot run it on probation, after recording the trial; a tried one makes every
   * boot run the confirmed generation instead.
   */
  tried: boolean;
  /** Who wrote it (`pillars stick import`, `pillarsctl reload --confirm`, …). */
  by: string;
}

const CHECK = /\n# pillars-mark sha256:([0-9a-f]{64})\n?$/;
const ONE_LINE = /^[^\n\r]{1,200}$/;

/** The mark as the file holds it: a comment for whoever looks, the values, a checksum. */
export function formatMark(m: PendingMark): string {
  const head = [
    `# pillars: generation ${m.pending.generation} awaits confirmation (pillarsctl confirm on the box).`,
    `# Until then the box rolls back to generation ${m.confirmed}, and boots it after a reboot.`,
    `pending: ${m.pending.generation}`,
    `pending_sha256: ${m.pending.sha256}`,
    `confirmed: ${m.confirmed}`,
    `window_seconds: ${m.windowSeconds}`,
    `since: ${m.since}`,
    `tried: ${m.tried ? 'yes' : 'no'}`,
    `by: ${m.by}`,
  ].join('\n');
  return `${head}\n# pillars-mark sha256:${sha256(head)}\n`;
}

const count = (v: string | undefined) => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined);

/** The mark in a file's text, or why it is not one. Pure. */
export function parseMark(text: string): PendingMark | { damaged: string } {
  const m = CHECK.exec(text);
  if (!m) return { damaged: 'no checksum line (an interrupted write)' };
  const head = text.slice(0, m.index);
  if (sha256(head) !== m[1]) return { damaged: 'checksum mismatch' };
  const kv = new Map<string, string>();
  for (const line of head.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.indexOf(': ');
    if (i < 0) return { damaged: `not a "key: value" line: ${JSON.stringify(line.slice(0, 60))}` };
    kv.set(line.slice(0, i), line.slice(i + 2));
  }
  const pending = count(kv.get('pending'));
  const confirmed = count(kv.get('confirmed'));
  const windowSeconds = count(kv.get('window_seconds'));
  const sha = kv.get('pending_sha256');
  const since = kv.get('since');
  const tried = kv.get('tried');
  const by = kv.get('by');
  if (
    pending === undefined ||
    confirmed === undefined ||
    windowSeconds === undefined ||
    sha === undefined ||
    !/^[0-9a-f]{64}$/.test(sha) ||
    since === undefined ||
    Number.isNaN(Date.parse(since)) ||
    (tried !== 'yes' && tried !== 'no') ||
    by === undefined ||
    !ONE_LINE.test(by)
  )
    return { damaged: 'a value is missing or malformed' };
  return { pending: { generation: pending, sha256: sha }, confirmed, windowSeconds, since, tried: tried === 'yes', by };
}

export interface MarkRead {
  mark: PendingMark | undefined;
  /** What the reader skipped, for the console or the CLI. */
  notes: string[];
}

async function readFile(fs: StickFs, path: string, notes: string[]): Promise<PendingMark | undefined> {
  let text: string | undefined;
  try {
    text = await fs.read(path);
  } catch (e) {
    notes.push(`${path} is unreadable (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); skipped`);
    return undefined;
  }
  if (text === undefined) return undefined;
  const p = parseMark(text);
  if ('damaged' in p) {
    notes.push(`${path} is damaged (${p.damaged}); skipped`);
    return undefined;
  }
  return p;
}

/** The stick's mark (the complete .new file first), or none. */
export async function readMark(fs: StickFs): Promise<MarkRead> {
  const notes: string[] = [];
  const next = await readFile(fs, MARK_NEW, notes);
  const mark = next ?? (await readFile(fs, MARK_FILE, notes));
  return { mark, notes };
}

/** A file that exists, readable or not. */
const exists = async (fs: StickFs, path: string) => (await fs.read(path).catch(() => '')) !== undefined;

/** Replace the mark atomically (see the file comment). */
export async function writeMark(fs: StickFs, m: PendingMark): Promise<void> {
  await fs.write(MARK_NEW, formatMark(m));
  await fs.sync();
  if (!fs.renameReplaces && (await exists(fs, MARK_FILE))) {
    await fs.remove(MARK_FILE);
    await fs.sync();
  }
  await fs.rename(MARK_NEW, MARK_FILE);
  await fs.sync();
}

/** Remove the mark (the .new file first). Returns whether there was anything to remove. */
export async function clearMark(fs: StickFs): Promise<boolean> {
  let removed = false;
  for (const f of [MARK_NEW, MARK_FILE]) {
    if (!(await exists(fs, f))) continue;
    await fs.remove(f);
    await fs.sync();
    removed = true;
  }
  return removed;
}
