/**
 * What every lab agent shares: run-as-program detection, JSON-line output, stop signals and a
 * line splitter. An agent is a small Node program the lab starts inside a host's network
 * namespace (see ../agents.ts); its protocol is its stdout, one JSON object per line.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the program node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Write one JSON line to stdout; `then` runs once it is flushed. */
export function emit(value: unknown, then?: () => void): void {
  process.stdout.write(JSON.stringify(value) + '\n', then);
}

/** Call `stop` on SIGTERM and SIGINT (the lab stops agents with SIGTERM). */
export function onStop(stop: (signal: NodeJS.Signals) => void): void {
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => stop(s));
}

/** Epoch milliseconds with sub-millisecond precision (monotonic within one process). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Split a stream into lines: `push` returns the complete lines so far (without "\n"). */
export class LineSplitter {
  private rest = '';
  /** Bytes held back waiting for a newline. */
  get pending(): number {
    return this.rest.length;
  }
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts;
  }
}
