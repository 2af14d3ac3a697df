/** Service output as lines: what the log rings and the log tailer share. Pure. */

/** Longest line kept whole; longer ones are cut into pieces of this size. */
export const MAX_LINE_CHARS = 4096;

/**
 * Turns a stream of chunks into lines (LF or CRLF). A partial last line is held until more data
 * arrives or `flush()` is called (at process exit). Over-long partial lines are emitted in pieces.
 */
export interface LineSplitter {
  write(chunk: string): void;
  flush(): void;
}

export function createLineSplitter(onLine: (line: string) => void, maxLineChars = MAX_LINE_CHARS): LineSplitter {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        let line = pending.slice(0, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        onLine(line);
        pending = pending.slice(nl + 1);
      }
      while (pending.length > maxLineChars) {
        onLine(pending.slice(0, maxLineChars));
        pending = pending.slice(maxLineChars);
      }
    },
    flush() {
      if (pending.length > 0) onLine(pending);
      pending = '';
    },
  };
}
