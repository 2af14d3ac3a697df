/**
 * The read-only status page (admin.status_page.listen): what `pillarsctl status` shows, over HTTP.
 *   GET /             the status as text
 *   GET /status.json  the status as JSON (what `pillarsctl status --json` prints)
 *   GET /node         this node's name (one line; the failover drill asks the VIP for it)
 * and, with `view`, the pair's HTML page (`/` for browsers), /metrics and /cluster.json
 * (overlay/status/routes.ts). Nothing can be changed through it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { viewRoute, type ViewSource } from '../status/routes.js';

export interface StatusSource {
  node(): string | undefined;
  text(): Promise<string[]> | string[];
  json(): Promise<unknown> | unknown;
  /** The pair's views: HTML page, metrics, cluster JSON. */
  view?: ViewSource;
}

export interface PageResponse {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** Answer one request. Pure apart from asking the source. */
export async function respond(method: string, url: string, src: StatusSource, accept?: string): Promise<PageResponse> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'read-only: only GET\n' };
  const path = url.split('?')[0]!;
  const viewed = src.view ? await viewRoute(path, accept, src.view) : undefined;
  if (viewed) return viewed;
  switch (path) {
    case '/':
    case '/status.txt':
      return { status: 200, type: 'text/plain; charset=utf-8', body: (await src.text()).join('\n') + '\n' };
    case '/status.json':
      return { status: 200, type: 'application/json', body: JSON.stringify(await src.json()) + '\n' };
    case '/node': {
      const n = src.node();
      return n
        ? { status: 200, type: 'text/plain', body: `${n}\n` }
        : { status: 503, type: 'text/plain', body: 'unconfigured\n' };
    }
    default:
      return {
        status: 404,
        type: 'text/plain',
        body: `not found: try /, /status.json${src.view ? ', /metrics, /cluster.json' : ''} or /node\n`,
      };
  }
}

/** `0.0.0.0:8080` / `[::]:80` / `192.0.2.2:8080` → host and port. Pure. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen);
  if (!m) throw new Error(`status page: cannot parse listen address ${JSON.stringify(listen)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function startStatusPage(listen: string, src: StatusSource, log: (line: string) => void): Server {
  const { host, port } = parseListen(listen);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    respond(req.method ?? 'GET', req.url ?? '/', src, req.headers.accept).then(
      (r) => {
        res.writeHead(r.status, {
          ...r.headers,
          'content-type': r.type,
          'content-length': Buffer.byteLength(r.body),
          connection: 'close',
        });
        res.end(req.method === 'HEAD' ? undefined : r.body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 1000;
  server.on('error', (err) => log(`pillars: status page on ${listen}: ${err.message}`));
  server.listen(port, host, () => log(`pillars: status page on http://${listen}/`));
  return server;
}
