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
import { MAX_LINE_CHARS } from '../service/lines.js';

export { MAX_LINE_CHARS, createLineSplitter, type LineSplitter } from '../service/lines.js';

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

/** One line as `pillarsctl logs` prints it: ISO time, stream marker, text. */
export function formatLogLine(line: LogLine): string {
  const mark = line.stream === 'stderr' ? '!' : line.stream === 'supervisor' ? '*' : ' ';
  return `${new Date(line.at).toISOString()} ${mark} ${line.text}`;
}
