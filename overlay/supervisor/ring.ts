/**
 * Bounded per-service log buffers (gokrazy-style): the last N lines of a service's output, each
 * with the time it arrived, kept in memory so `pillarsctl logs SERVICE` works on a diskless box.
 */

export type LogStream = 'stdout' | 'stderr' | 'supervisor';

export interface LogLine {
  /** Milliseconds since the epoch (or the injected clock's origin). */
  at: number;
  stream: LogStream;
  text: string;
}

export interface LogRing {
  readonly capacity: number;
  push(line: LogLine): void;
  /** Oldest first. */
  lines(): LogLine[];
  /** The newest `n` lines, oldest first. */
  tail(n: number): LogLine[];
  /** How many lines were dropped because the ring was full. */
  readonly dropped: number;
  readonly size: number;
}

/** Lines longer than this are cut so one runaway line cannot hold the memory of a whole ring. */
export const MAX_LINE_CHARS = 4096;

export function createLogRing(capacity = 500, maxLineChars = MAX_LINE_CHARS): LogRing {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`log ring capacity must be a positive integer, got ${capacity}`);
  }
  const slots: (LogLine | undefined)[] = new Array(capacity);
  let next = 0; // index of the slot the next push writes
  let size = 0;
  let dropped = 0;

  const ordered = (): LogLine[] => {
    const out: LogLine[] = [];
    const start = size < capacity ? 0 : next;
    for (let i = 0; i < size; i++) {
      const l = slots[(start + i) % capacity];
      if (l) out.push(l);
    }
    return out;
  };

  return {
    capacity,
    push(line) {
      const text = line.text.length > maxLineChars ? line.text.slice(0, maxLineChars) + '…' : line.text;
      if (size === capacity) dropped++;
      else size++;
      slots[next] = { at: line.at, stream: line.stream, text };
      next = (next + 1) % capacity;
    },
    lines: ordered,
    tail(n) {
      const all = ordered();
      return n >= all.length ? all : all.slice(all.length - Math.max(0, n));
    },
    get dropped() {
      return dropped;
    },
    get size() {
      return size;
    },
  };
}

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

/** One line as `pillarsctl logs` prints it: ISO time, stream marker, text. */
export function formatLogLine(line: LogLine): string {
  const mark = line.stream === 'stderr' ? '!' : line.stream === 'supervisor' ? '*' : ' ';
  return `${new Date(line.at).toISOString()} ${mark} ${line.text}`;
}
