/**
 * The peer channel's config requests: a POST carries its body under the MAC, is refused when
 * unauthenticated, replayed, tampered with or oversized (before the body is read), and only a
 * push that passes reaches the handler. Signing: a GET is signed as before (a node of the
 * previous version still verifies it), a POST's signature covers its body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { versionSha } from '../../../overlay/config/sync.js';
import {
  createVerifier,
  HEADER_MAC,
  HEADER_NONCE,
  HEADER_TIME,
  signRequest,
} from '../../../overlay/status/peer-auth.js';
import {
  fetchPeerConfigState,
  MAX_PUSH_BYTES,
  parsePush,
  PEER_CONFIG_PATH,
  pushPeerConfig,
  startPeerServer,
  type ConfigPush,
} from '../../../overlay/status/peer.js';
import { directorSnapshot } from './fixtures.js';

const KEY = 'lab-cluster-key-0123456789';

function push(body = 'version: 1\n'): ConfigPush {
  const v = { generation: 2, sha256: versionSha(body) };
  return { from: 'lb1', generation: 2, sha256: v.sha256, body, lineage: { current: v, versions: [v] }, force: false };
}

/** A raw request: headers as given, the body written as given (or not at all). */
function raw(
  port: number,
  method: string,
  headers: Record<string, string | number>,
  body?: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: PEER_CONFIG_PATH, method, headers }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    if (body === undefined) req.flushHeaders();
    else req.end(body);
  });
}

const signedPost = (body: string, t = Date.now()) => ({
  ...signRequest(KEY, 'POST', PEER_CONFIG_PATH, t, undefined, body),
  'content-type': 'application/json',
  'content-length': Buffer.byteLength(body),
});

describe('request signing', () => {
  const t = 1_000_000;
  it('a GET is signed over method, path, time and nonce, as before bodies were covered', () => {
    const h = signRequest(KEY, 'GET', '/peer/snapshot', t, 'ab'.repeat(16));
    const old = createHmac('sha256', KEY)
      .update(`pillars-peer-request\nGET\n/peer/snapshot\n${t}\n${'ab'.repeat(16)}`)
      .digest('hex');
    expect(h).toEqual({ [HEADER_TIME]: String(t), [HEADER_NONCE]: 'ab'.repeat(16), [HEADER_MAC]: old });
  });
  it('a POST signature covers its body: another body, path, method or key does not verify', () => {
    const h = signRequest(KEY, 'POST', '/p', t, undefined, 'the body');
    expect(createVerifier(KEY).verify('POST', '/p', h, t, 'another body')).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    expect(createVerifier(KEY).verify('POST', '/q', h, t, 'the body')).toEqual({ ok: false, reason: 'bad signature' });
    expect(createVerifier(KEY).verify('PUT', '/p', h, t, 'the body')).toEqual({ ok: false, reason: 'bad signature' });
    expect(createVerifier('another-key-0123456789').verify('POST', '/p', h, t, 'the body').ok).toBe(false);
    expect(createVerifier(KEY).verify('POST', '/p', h, t, Buffer.from('the body'))).toMatchObject({ ok: true });
  });
  it('screen refuses what needs no body: missing or malformed headers, a stale time', () => {
    const v = createVerifier(KEY);
    expect(v.screen({}, t)).toEqual({ ok: false, reason: 'not authenticated' });
    expect(v.screen(signRequest(KEY, 'POST', '/p', t - 60_000), t).ok).toBe(false);
    expect(v.screen({ ...signRequest(KEY, 'POST', '/p', t), [HEADER_MAC]: 'x' }, t)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    expect(v.screen(signRequest(KEY, 'POST', '/p', t), t).ok).toBe(true);
  });
});

describe('POST /peer/config', () => {
  const logs: string[] = [];
  const received: ConfigPush[] = [];
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = startPeerServer({
      host: '127.0.0.1',
      port: 0,
      key: KEY,
      snapshot: () => directorSnapshot('lb2'),
      config: {
        state: () => ({ node: 'lb2', mode: 'manual', lineage: push().lineage }),
        receive: async (p) => {
          received.push(p);
          return { node: 'lb2', result: 'saved', message: 'saved as generation 2', generation: 2 };
        },
      },
      log: (l) => logs.push(l),
    });
    await new Promise<void>((r) => server.once('listening', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a signed push reaches the handler and its signed answer comes back; GET tells the lineage', async () => {
    const r = await pushPeerConfig({ host: '127.0.0.1', port, key: KEY }, push());
    expect(r).toEqual({
      ok: true,
      value: { node: 'lb2', result: 'saved', message: 'saved as generation 2', generation: 2 },
    });
    expect(received.map((p) => p.body)).toEqual(['version: 1\n']);
    const s = await fetchPeerConfigState({ host: '127.0.0.1', port, key: KEY });
    expect(s).toEqual({ ok: true, value: { node: 'lb2', mode: 'manual', lineage: push().lineage } });
  });

  it('refuses an unauthenticated push, one with another key, a tampered body and a replay', async () => {
    const body = JSON.stringify(push());
    received.length = 0;
    expect(
      await raw(port, 'POST', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body),
    ).toEqual({ status: 401, body: 'refused: not authenticated\n' });
    const wrong = await pushPeerConfig({ host: '127.0.0.1', port, key: 'another-key-0123456789' }, push());
    expect(wrong).toEqual({ ok: false, reached: true, error: 'HTTP 401: refused: bad signature' });
    // signed for one body, sent with another of the same length
    const evil = body.replace('version: 1', 'version: 2');
    expect((await raw(port, 'POST', signedPost(body), evil)).status).toBe(401);
    const h = signedPost(body);
    expect((await raw(port, 'POST', h, body)).status).toBe(200);
    expect(await raw(port, 'POST', h, body)).toEqual({ status: 401, body: 'refused: replayed nonce\n' });
    expect(received).toHaveLength(1);
    expect(logs.some((l) => /refused POST \/peer\/config .*replayed nonce/.test(l))).toBe(true);
  });

  it('refuses an oversized push from its Content-Length, before the body is sent', async () => {
    const h = { ...signRequest(KEY, 'POST', PEER_CONFIG_PATH, Date.now()), 'content-length': MAX_PUSH_BYTES + 1 };
    const r = await raw(port, 'POST', h);
    expect(r.status).toBe(413);
    expect(r.body).toMatch(/over \d+/);
  });

  it('refuses a push without a Content-Length (the size must be known before reading)', async () => {
    const body = JSON.stringify(push());
    received.length = 0;
    const h: Record<string, string | number> = { ...signedPost(body), 'transfer-encoding': 'chunked' };
    delete h['content-length'];
    expect(await raw(port, 'POST', h, body)).toEqual({ status: 411, body: 'refused: a POST needs a Content-Length\n' });
    expect(received).toEqual([]);
  });

  it('refuses a signed push that is not a well-formed push', async () => {
    for (const [body, why] of [
      ['not json', 'the body is not JSON'],
      [JSON.stringify({ ...push(), sha256: 'no' }), 'bad sha256'],
      [JSON.stringify({ ...push(), generation: 3 }), 'the lineage does not end with the version sent'],
      [JSON.stringify({ ...push(), from: 'a b' }), 'bad from'],
    ]) {
      expect(await raw(port, 'POST', signedPost(body!), body)).toEqual({ status: 400, body: `refused: ${why}\n` });
    }
  });

  it('other methods are refused', async () => {
    expect((await raw(port, 'PUT', signRequest(KEY, 'PUT', PEER_CONFIG_PATH, Date.now()), '')).status).toBe(405);
  });
});

describe('parsePush', () => {
  it('takes a push and only its fields', () => {
    expect(parsePush({ ...push(), extra: true })).toEqual(push());
  });
  it.each([
    ['an array', []],
    ['no body', { ...push(), body: undefined }],
    ['force not a boolean', { ...push(), force: 'yes' }],
    ['generation 0', { ...push(), generation: 0 }],
  ])('refuses %s', (_n, v) => {
    expect(typeof parsePush(v)).toBe('string');
  });
});
