/** Progress output for long work: one timed line per step, on stderr so stdout stays parseable. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export interface LoggerOptions {
  write?: (line: string) => void;
  now?: () => number;
  quiet?: boolean;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const stamp = () => `[${formatSeconds(now() - start).padStart(7)}]`;
  return {
    info(msg) {
      if (!opts.quiet) write(`${stamp()} ${msg}`);
    },
    warn(msg) {
      write(`${stamp()} warning: ${msg}`);
    },
    async step(title, fn) {
      const t0 = now();
      if (!opts.quiet) write(`${stamp()} ▶ ${title}`);
      try {
        const result = await fn();
        if (!opts.quiet) write(`${stamp()} ✓ ${title} (${formatSeconds(now() - t0)})`);
        return result;
      } catch (err) {
        write(`${stamp()} ✗ ${title} failed after ${formatSeconds(now() - t0)}`);
        throw err;
      }
    },
  };
}

export const silentLogger: Logger = createLogger({ quiet: true, write: () => {} });
