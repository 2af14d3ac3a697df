/**
 * Bounds on what the validator reads, in one place: a hostile or broken file (huge, deeply nested,
 * an alias bomb, binary, not UTF-8) gets one clear config error within a second instead of a hang,
 * a stack overflow or a wall of messages. `precheck` runs on the raw text before YAML parsing, in
 * one linear pass.
 */

/** Largest pillars.yaml accepted (a 10,000-virtual-server file is about 2 MiB). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of maps and lists (a real config nests about 8 deep). */
export const MAX_NESTING = 64;
/** Alias expansions YAML may do while building the data (anchors are rare in a config). */
export const MAX_ALIAS_COUNT = 100;
/** Issues shown; the rest are counted. */
export const MAX_ISSUES = 50;
/** Longest value echoed in a message. */
export const MAX_ECHO = 60;

export interface PrecheckProblem {
  offset: number;
  message: string;
}

/** A value as messages show it: JSON-quoted, cut to MAX_ECHO characters. */
export function echo(s: string): string {
  return JSON.stringify(s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);
}

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Size, encoding and nesting of the raw text. `text` came from a UTF-8 decoder that replaced bad
 * bytes by U+FFFD (Node's 'utf8'), so a U+FFFD marks a line that is not UTF-8.
 */
export function precheck(text: string): PrecheckProblem | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES)
    return {
      offset: 0,
      message: `the file is ${(bytes / 1048576).toFixed(1)} MiB; a config is at most ${MAX_FILE_BYTES / 1048576} MiB (is this the right file?)`,
    };
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let indent = 0;
  const blocks: number[] = []; // indentation of the open block collections
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0xfffd) return { offset: i, message: 'this line is not valid UTF-8 (save the file as UTF-8)' };
    if ((ch < 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) || ch === 0x7f || (ch >= 0x80 && ch <= 0x9f))
      return { offset: i, message: `control character ${hex(ch)} (a config is text; is this a binary file?)` };
    if (ch === 0x0a) {
      lineStart = true;
      indent = 0;
      continue;
    }
    const c = text[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      lineStart = false;
      if (c === '#' || c === '\r') continue;
      if (flow === 0) {
        while (blocks.length > 0 && blocks[blocks.length - 1]! >= indent) blocks.pop();
        blocks.push(indent);
        // "- - - x": each dash opens a list inside the one before it.
        let j = i;
        while (text[j] === '-' && (text[j + 1] === ' ' || text[j + 1] === '\n')) {
          j += 2;
          while (text[j] === ' ') j++;
          blocks.push(indent + (j - i));
        }
        if (blocks.length > MAX_NESTING) return { offset: i, message: `nested deeper than ${MAX_NESTING} levels` };
      }
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    // A quote opens a quoted scalar only where a scalar starts (not inside plain text: it's).
    if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) quote = c;
    else if (c === '[' || c === '{') {
      if (++flow + blocks.length > MAX_NESTING)
        return { offset: i, message: `nested deeper than ${MAX_NESTING} levels` };
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}
