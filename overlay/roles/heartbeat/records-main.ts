/**
 * pillars-records: the lab's replicated service, a numbered-record store on the DRBD filesystem.
 * POST /record/<n> appends "<n> <node>" to <dir>/records and answers 200 only after fsync (an
 * acknowledged record is on both DRBD disks with protocol C); GET /records returns the file;
 * GET / answers "<node>" so a client can tell which node serves. Started and stopped by heartbeat
 * through the pillars-records resource script, after the filesystem is mounted.
 *
 * With --ready FIFO it writes "ready" into that FIFO once it listens, so the resource script waits
 * without polling (under emulation, a poll every 0.1 s took CPU from the starting service).
 *
 *   node records.cjs --listen ADDRESS:PORT --dir DIR [--ready FIFO]
 */
import { createServer } from 'node:http';
import { closeSync, constants, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

function args(argv: readonly string[]): { host: string; port: number; dir: string; ready?: string } {
  let listen = '0.0.0.0:8080';
  let dir = '/srv/data';
  let ready: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--listen') listen = argv[++i] ?? listen;
    else if (argv[i] === '--dir') dir = argv[++i] ?? dir;
    else if (argv[i] === '--ready') ready = argv[++i];
  }
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    process.stderr.write(`records: --listen ADDRESS:PORT with a port of 1-65535, not '${listen}'\n`);
    process.exit(2);
  }
  return { host: m[1] || '0.0.0.0', port, dir, ready };
}

const { host, port, dir, ready } = args(process.argv.slice(2));
const file = join(dir, 'records');
const node = hostname();
const fd = openSync(file, 'a');

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const m = /^\/record\/(\d{1,12})$/.exec(url);
  try {
    if (req.method === 'POST' && m) {
      writeSync(fd, `${m[1]} ${node}\n`);
      fsyncSync(fd);
      res.writeHead(200).end(`${m[1]} ${node}\n`);
    } else if (req.method === 'GET' && url === '/records') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(file, 'utf8'));
    } else if (req.method === 'GET' && url === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${node}\n`);
    } else res.writeHead(404).end('not found\n');
  } catch (err) {
    // A failed write is never acknowledged.
    res.writeHead(503).end(`${err instanceof Error ? err.message : String(err)}\n`);
  }
});
server.listen(port, host, () => {
  if (ready === undefined) return;
  // Non-blocking: the script holds the FIFO open; with nobody reading, nobody is waiting.
  try {
    const r = openSync(ready, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(r, 'ready\n');
    closeSync(r);
  } catch {
    // no reader: nothing to tell
  }
});
const stop = () => server.close(() => (closeSync(fd), process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
