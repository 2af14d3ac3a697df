/**
 * The peer channel: each node serves its snapshot to the other over the configured sync/admin
 * interface (admin.cluster), and asks the other for its snapshot. Every request is authenticated
 * (peer-auth.ts); the server listens only on this node's address on that interface.
 *   GET  /peer/snapshot   this node's NodeSnapshot as JSON
 *   GET  /peer/config     what this node's stick holds (its lineage) and its config_sync mode
 *   POST /peer/config     a config sent by the peer for this node's stick (`pillarsctl save --peer`);
 *                         the body is covered by the MAC and at most MAX_PUSH_BYTES long
 * The answers to config requests come from handlers the appliance passes in (config-sync.ts).
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { MAX_FILE_BYTES } from '../config/limits.js';
import { parseLineage, type Lineage, type Version } from '../config/sync.js';
import { createVerifier, HEADER_MAC, HEADER_NONCE, signRequest, signResponse, verifyResponse } from './peer-auth.js';
import type { NodeSnapshot } from './snapshot.js';

export const PEER_SNAPSHOT_PATH = '/peer/snapshot';
export const PEER_CONFIG_PATH = '/peer/config';
/** Snapshots larger than this are refused by the asking node (a pool of thousands of real servers fits). */
export const MAX_PEER_BODY = 8 * 1024 * 1024;
/** Largest POST the server reads: the largest config the validator takes, JSON-escaped, and the lineage. */
export const MAX_PUSH_BYTES = 2 * MAX_FILE_BYTES + 64 * 1024;

export interface PeerEndpoint {
  host: string;
  port: number;
  key: string;
}

export type SyncMode = 'off' | 'manual' | 'auto';

/** GET /peer/config: what the node's stick holds (no lineage without a config on a mounted stick). */
export interface PeerConfigState {
  node: string;
  mode: SyncMode;
  lineage?: Lineage;
}

/** POST /peer/config: a config for the peer's stick, with the lineage it descends from. */
export interface ConfigPush {
  from: string;
  generation: number;
  sha256: string;
  body: string;
  lineage: Lineage;
  /** Overwrite even a newer or conflicting stick (`pillarsctl save --peer --force`). */
  force: boolean;
}

export type PushResult = 'saved' | 'equal' | 'newer' | 'conflict' | 'refused';

export interface PushAnswer {
  node: string;
  result: PushResult;
  message: string;
  /** The generation the receiver saved the config as (saved). */
  generation?: number;
  /** The receiver's current version (newer, conflict, equal). */
  current?: Version;
  common?: Version;
}

export interface PeerConfigHandlers {
  state(): Promise<PeerConfigState> | PeerConfigState;
  receive(push: ConfigPush): Promise<PushAnswer>;
}

export interface PeerServerOptions extends PeerEndpoint {
  snapshot(): Promise<NodeSnapshot> | NodeSnapshot;
  /** Without it, /peer/config answers 404. */
  config?: PeerConfigHandlers;
  log(line: string): void;
  now?: () => number;
}

/** A push as it arrives, checked; a string says what is wrong with it. Pure. */
export function parsePush(v: unknown): ConfigPush | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'a push is a JSON object';
  const p = v as Record<string, unknown>;
  if (typeof p.from !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(p.from)) return 'bad from';
  if (!Number.isSafeInteger(p.generation) || (p.generation as number) < 1) return 'bad generation';
  if (typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) return 'bad sha256';
  if (typeof p.body !== 'string') return 'bad body';
  if (typeof p.force !== 'boolean') return 'bad force';
  const lineage = parseLineage(p.lineage);
  if (!lineage) return 'bad lineage';
  if (lineage.current.generation !== p.generation || lineage.current.sha256 !== p.sha256)
    return 'the lineage does not end with the version sent';
  return {
    from: p.from,
    generation: p.generation as number,
    sha256: p.sha256,
    body: p.body,
    lineage,
    force: p.force,
  };
}

/** Read a request body of at most `max` bytes; undefined when it is longer or the client goes away. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (b: Buffer | undefined) => {
      if (done) return;
      done = true;
      resolve(b);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        finish(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => finish(Buffer.concat(chunks)));
    req.on('error', () => finish(undefined));
    req.on('close', () => finish(undefined));
  });
}

export function startPeerServer(o: PeerServerOptions): Server {
  const verifier = createVerifier(o.key);
  const now = o.now ?? Date.now;
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, {
        'content-type': status === 200 ? 'application/json' : 'text/plain',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
        ...extra,
      });
      res.end(body);
    };
    const refuse = (status: number, reason: string) => {
      o.log(`pillars: peer channel: refused ${method} ${path} from ${req.socket.remoteAddress}: ${reason}`);
      send(status, `refused: ${reason}\n`);
    };
    const answer = (nonce: string, work: () => Promise<unknown> | unknown) =>
      Promise.resolve()
        .then(work)
        .then(
          (value) => {
            const body = JSON.stringify(value);
            send(200, body, { [HEADER_MAC]: signResponse(o.key, nonce, body) });
          },
          (err: unknown) => send(500, `error: ${err instanceof Error ? err.message : String(err)}\n`),
        );

    if (method === 'GET') {
      req.resume();
      const v = verifier.verify(method, path, req.headers, now());
      if (!v.ok) return refuse(401, v.reason);
      if (path === PEER_SNAPSHOT_PATH) return void answer(v.nonce, () => o.snapshot());
      if (path === PEER_CONFIG_PATH && o.config) return void answer(v.nonce, () => o.config!.state());
      return send(404, 'not found\n');
    }
    if (method !== 'POST') {
      req.resume();
      return refuse(405, `method ${method}`);
    }
    // A POST: refuse what can be refused before reading a byte of the body.
    const pre = verifier.screen(req.headers, now());
    if (!pre.ok) return refuse(401, pre.reason);
    if (path !== PEER_CONFIG_PATH || !o.config) return refuse(404, 'no such path');
    const length = req.headers['content-length'];
    if (length === undefined || !/^\d{1,12}$/.test(length)) return refuse(411, 'a POST needs a Content-Length');
    if (Number(length) > MAX_PUSH_BYTES) return refuse(413, `body of ${length} bytes is over ${MAX_PUSH_BYTES}`);
    void readBody(req, Number(length)).then((body) => {
      if (!body) return refuse(413, `body longer than its Content-Length or over ${MAX_PUSH_BYTES} bytes`);
      const v = verifier.verify(method, path, req.headers, now(), body);
      if (!v.ok) return refuse(401, v.reason);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return refuse(400, 'the body is not JSON');
      }
      const push = parsePush(json);
      if (typeof push === 'string') return refuse(400, push);
      return answer(v.nonce, () => o.config!.receive(push));
    });
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 30_000;
  server.on('error', (err) => o.log(`pillars: peer channel on ${o.host}:${o.port}: ${err.message}`));
  server.listen(o.port, o.host, () => o.log(`pillars: peer channel on ${o.host}:${o.port} (authenticated)`));
  return server;
}

/**
 * One authenticated request to the peer. `reached: false` when no answer came at all (refused
 * connection, timeout, reset: the peer is down or cut off); otherwise the answer was an error or
 * not signed with the key.
 */
export type PeerCall = { ok: true; body: string } | { ok: false; reached: boolean; error: string };

export function peerCall(
  peer: PeerEndpoint,
  method: 'GET' | 'POST',
  path: string,
  o: { body?: string; timeoutMs?: number; now?: () => number } = {},
): Promise<PeerCall> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const payload = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
  const headers: Record<string, string | number> = signRequest(
    peer.key,
    method,
    path,
    (o.now ?? Date.now)(),
    undefined,
    payload ?? '',
  );
  const nonce = headers[HEADER_NONCE] as string;
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PeerCall) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = request({ host: peer.host, port: peer.port, path, method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_PEER_BODY) {
          done({ ok: false, reached: true, error: `answer larger than ${MAX_PEER_BODY} bytes` });
          req.destroy();
        } else chunks.push(c);
      });
      res.on('error', (err) => done({ ok: false, reached: true, error: err.message }));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200)
          return done({ ok: false, reached: true, error: `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}` });
        const mac = res.headers[HEADER_MAC];
        if (!verifyResponse(peer.key, nonce, body, typeof mac === 'string' ? mac : undefined))
          return done({ ok: false, reached: true, error: 'the answer is not signed with the cluster key' });
        done({ ok: true, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ ok: false, reached: false, error: err.message }));
    req.end(payload);
  });
}

function parsed<T>(
  r: PeerCall,
  check: (v: unknown) => v is T,
): { ok: true; value: T } | Exclude<PeerCall, { ok: true }> {
  if (!r.ok) return r;
  try {
    const v: unknown = JSON.parse(r.body);
    if (check(v)) return { ok: true, value: v };
  } catch {
    /* reported below */
  }
  return { ok: false, reached: true, error: 'the answer is not what was asked for' };
}

export type PeerResult = { ok: true; snapshot: NodeSnapshot } | { ok: false; error: string };

/** Ask the peer for its snapshot; never throws. */
export async function fetchPeerSnapshot(
  peer: PeerEndpoint,
  timeoutMs = 2000,
  now: () => number = Date.now,
): Promise<PeerResult> {
  const r = await peerCall(peer, 'GET', PEER_SNAPSHOT_PATH, { timeoutMs, now });
  if (!r.ok) return { ok: false, error: r.error };
  try {
    return { ok: true, snapshot: JSON.parse(r.body) as NodeSnapshot };
  } catch {
    return { ok: false, error: 'the answer is not JSON' };
  }
}

export type PeerAsk<T> = { ok: true; value: T } | { ok: false; reached: boolean; error: string };

const isState = (v: unknown): v is PeerConfigState =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as PeerConfigState).node === 'string' &&
  ['off', 'manual', 'auto'].includes((v as PeerConfigState).mode) &&
  ((v as PeerConfigState).lineage === undefined || parseLineage((v as PeerConfigState).lineage) !== undefined);

const isAnswer = (v: unknown): v is PushAnswer =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as PushAnswer).node === 'string' &&
  ['saved', 'equal', 'newer', 'conflict', 'refused'].includes((v as PushAnswer).result) &&
  typeof (v as PushAnswer).message === 'string';

/** What the peer's stick holds; never throws. */
export async function fetchPeerConfigState(peer: PeerEndpoint, timeoutMs = 5000): Promise<PeerAsk<PeerConfigState>> {
  return parsed(await peerCall(peer, 'GET', PEER_CONFIG_PATH, { timeoutMs }), isState);
}

/** Send a config to the peer's stick; never throws. The peer validates it and writes its stick (slow under emulation). */
export async function pushPeerConfig(
  peer: PeerEndpoint,
  push: ConfigPush,
  timeoutMs = 120_000,
): Promise<PeerAsk<PushAnswer>> {
  return parsed(await peerCall(peer, 'POST', PEER_CONFIG_PATH, { body: JSON.stringify(push), timeoutMs }), isAnswer);
}
