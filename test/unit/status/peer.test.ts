import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, signRequest } from '../../../overlay/status/peer-auth.js';
import { fetchPeerSnapshot, PEER_SNAPSHOT_PATH, startPeerServer } from '../../../overlay/status/peer.js';
import { directorSnapshot } from './fixtures.js';

const KEY = 'lab-cluster-key-0123456789';

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('peer channel authentication', () => {
  const logs: string[] = [];
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = startPeerServer({
      host: '127.0.0.1',
      port: 0,
      key: KEY,
      snapshot: () => directorSnapshot('lb2'),
      log: (l) => logs.push(l),
    });
    await new Promise<void>((r) => server.once('listening', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers a signed request with the snapshot, and the asking node checks the answer', async () => {
    const r = await fetchPeerSnapshot({ host: '127.0.0.1', port, key: KEY });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.snapshot.node).toBe('lb2');
  });

  it('refuses a request without authentication, with another key, or replayed', async () => {
    expect((await get(port, PEER_SNAPSHOT_PATH)).status).toBe(401);
    const wrong = await fetchPeerSnapshot({ host: '127.0.0.1', port, key: 'another-key-0123456789' });
    expect(wrong).toEqual({ ok: false, error: 'HTTP 401: refused: bad signature' });
    const headers = signRequest(KEY, 'GET', PEER_SNAPSHOT_PATH, Date.now());
    expect((await get(port, PEER_SNAPSHOT_PATH, headers)).status).toBe(200);
    const replay = await get(port, PEER_SNAPSHOT_PATH, headers);
    expect(replay).toEqual({ status: 401, body: 'refused: replayed nonce\n' });
    // signed for another path
    expect((await get(port, '/peer/other', signRequest(KEY, 'GET', PEER_SNAPSHOT_PATH, Date.now()))).status).toBe(401);
    expect(logs.some((l) => /refused GET \/peer\/snapshot .*replayed nonce/.test(l))).toBe(true);
  });

  it('refuses requests signed too long ago or in the future', async () => {
    expect(
      (await get(port, PEER_SNAPSHOT_PATH, signRequest(KEY, 'GET', PEER_SNAPSHOT_PATH, Date.now() - 60_000))).body,
    ).toMatch(/outside the 30 s window/);
    expect(
      (await get(port, PEER_SNAPSHOT_PATH, signRequest(KEY, 'GET', PEER_SNAPSHOT_PATH, Date.now() + 60_000))).status,
    ).toBe(401);
  });

  it('the asking node refuses an answer not signed with the key', async () => {
    const fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(directorSnapshot('mallory')));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await fetchPeerSnapshot({ host: '127.0.0.1', port: (fake.address() as AddressInfo).port, key: KEY });
      expect(r).toEqual({ ok: false, error: 'the answer is not signed with the cluster key' });
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  it('a verifier with a full nonce memory refuses (fail closed) until nonces expire', () => {
    const v = createVerifier(KEY, 30_000, 2);
    const t = 1_000_000;
    const h = () => signRequest(KEY, 'GET', '/p', t);
    expect(v.verify('GET', '/p', h(), t).ok).toBe(true);
    expect(v.verify('GET', '/p', h(), t).ok).toBe(true);
    expect(v.verify('GET', '/p', h(), t)).toEqual({ ok: false, reason: 'too many requests in the window' });
    expect(v.verify('GET', '/p', signRequest(KEY, 'GET', '/p', t + 31_000), t + 31_000).ok).toBe(true);
  });
});
