/**
 * Lab agent: the line-echo server for long-lived connection tests. argv: NAME PORT. Answers every
 * line `ping <n>` with `<NAME> <n>`; at most 256 connections at once, and a connection that sends
 * more than 64 KiB without a newline is dropped. Prints {"listening":PORT} when ready.
 */
import { createServer } from 'node:net';
import { emit, isMain, LineSplitter, onStop } from './common.js';

export const MAX_CONNECTIONS = 256;
export const MAX_LINE_BYTES = 65536;

/** The answer to one line, or null when the line is not a ping. Pure. */
export function pingReply(name: string, line: string): string | null {
  const m = /^ping (\d+)$/.exec(line);
  return m ? `${name} ${m[1]}\n` : null;
}

export function main(argv: readonly string[]): void {
  const [name = '', port = '0'] = argv;
  const server = createServer((sock) => {
    const lines = new LineSplitter();
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      const complete = lines.push(d.toString('utf8'));
      if (lines.pending > MAX_LINE_BYTES) {
        sock.destroy();
        return;
      }
      for (const line of complete) {
        const reply = pingReply(name, line);
        if (reply) sock.write(reply);
      }
    });
    sock.on('error', () => {});
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.listen(Number(port), '0.0.0.0', () => emit({ listening: Number(port) }));
  onStop(() => process.exit(0));
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
