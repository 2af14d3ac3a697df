/**
 * The peer channel: each node serves its snapshot to the other over the configured sync/admin
 * interface (admin.cluster), and asks the other for its snapshot. Every request is authenticated
 * (peer-auth.ts); the server listens only on this node's address on that interface.
 *   GET /peer/snapshot   this node's NodeSnapshot as JSON
 */
import { createServer, request, type Server } from 'node:http';
import { createVerifier, HEADER_MAC, HEADER_NONCE, signRequest, signResponse, verifyResponse } from './peer-auth.js';
import type { NodeSnapshot } from './snapshot.js';

export const PEER_SNAPSHOT_PATH = '/peer/snapshot';
/** Snapshots larger than this are refused by the asking node (a pool of thousands of real servers fits). */
export const MAX_PEER_BODY = 8 * 1024 * 1024;

export interface PeerEndpoint {
  host: string;
  port: number;
  key: string;
}

export interface PeerServerOptions extends PeerEndpoint {
  snapshot(): Promise<NodeSnapshot> | NodeSnapshot;
  log(line: string): void;
  now?: () => number;
}

export function startPeerServer(o: PeerServerOptions): Server {
  const verifier = createVerifier(o.key);
  const now = o.now ?? Date.now;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const v = verifier.verify(req.method ?? 'GET', path, req.headers, now());
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': status === 200 ? 'application/json' : 'text/plain',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
        ...extra,
      });
      res.end(body);
    };
    req.resume();
    if (!v.ok) {
      o.log(`pillars: peer channel: refused ${req.method} ${path} from ${req.socket.remoteAddress}: ${v.reason}`);
      return send(401, `refused: ${v.reason}\n`);
    }
    if (req.method !== 'GET' || path !== PEER_SNAPSHOT_PATH) return send(404, 'not found\n');
    Promise.resolve(o.snapshot()).then(
      (snap) => {
        const body = JSON.stringify(snap);
        send(200, body, { [HEADER_MAC]: signResponse(o.key, v.nonce, body) });
      },
      (err: unknown) => send(500, `error: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.on('error', (err) => o.log(`pillars: peer channel on ${o.host}:${o.port}: ${err.message}`));
  server.listen(o.port, o.host, () => o.log(`pillars: peer channel on ${o.host}:${o.port} (authenticated)`));
  return server;
}

export type PeerResult = { ok: true; snapshot: NodeSnapshot } | { ok: false; error: string };

/** Ask the peer for its snapshot; never throws. */
export function fetchPeerSnapshot(
  peer: PeerEndpoint,
  timeoutMs = 2000,
  now: () => number = Date.now,
): Promise<PeerResult> {
  const headers = signRequest(peer.key, 'GET', PEER_SNAPSHOT_PATH, now());
  const nonce = headers[HEADER_NONCE]!;
  return new Promise((resolve) => {
    const req = request(
      { host: peer.host, port: peer.port, path: PEER_SNAPSHOT_PATH, method: 'GET', headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_PEER_BODY) {
            req.destroy();
            resolve({ ok: false, error: `answer larger than ${MAX_PEER_BODY} bytes` });
          } else chunks.push(c);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return resolve({ ok: false, error: `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}` });
          const mac = res.headers[HEADER_MAC];
          if (!verifyResponse(peer.key, nonce, body, typeof mac === 'string' ? mac : undefined))
            return resolve({ ok: false, error: 'the answer is not signed with the cluster key' });
          try {
            resolve({ ok: true, snapshot: JSON.parse(body) as NodeSnapshot });
          } catch {
            resolve({ ok: false, error: 'the answer is not JSON' });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, error: err.message }));
    req.end();
  });
}
