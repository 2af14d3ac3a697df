/**
 * Lab agent: an HTTP server that answers every request with its name. argv: NAME PORT [BIND].
 * Prints {"listening":PORT} once it accepts connections; exits 0 on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import { emit, isMain, onStop } from './common.js';

/** The answer body: the server's name and a newline. Pure. */
export const answerBody = (name: string): string => name + '\n';

export function main(argv: readonly string[]): void {
  const [name = '', port = '80', bind] = argv;
  const server = createServer((_req, res) => {
    const body = answerBody(name);
    res.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
  server.keepAliveTimeout = 1;
  server.listen(Number(port), bind || '0.0.0.0', () => emit({ listening: Number(port) }));
  onStop(() => process.exit(0));
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
