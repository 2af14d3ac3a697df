/**
 * Authentication of the peer channel: both nodes hold the same key (admin.cluster.key). A request
 * carries a time, a random nonce and HMAC-SHA256(key, method, path, time, nonce), and for every
 * method but GET also the sha256 of the request body, so a signed POST cannot carry another body.
 * The receiver refuses a missing or wrong MAC, a time more than `windowMs` away from its clock,
 * and a nonce it has seen within the window (a replay). The answer carries HMAC(key, nonce,
 * sha256(body)), so the asking node knows the answer came from the peer and belongs to its own
 * request.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const HEADER_TIME = 'x-pillars-time';
export const HEADER_NONCE = 'x-pillars-nonce';
export const HEADER_MAC = 'x-pillars-mac';

/** How far the two clocks (and a request in flight) may be apart. */
export const AUTH_WINDOW_MS = 30_000;
/** Nonces remembered at most; when full, requests are refused until old ones expire (fail closed). */
export const MAX_NONCES = 10_000;

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** What the MAC covers. A GET has no body (the server never reads one); every other method's body is covered. */
function requestText(method: string, path: string, time: string, nonce: string, body: string | Uint8Array): string {
  const m = method.toUpperCase();
  const head = `pillars-peer-request\n${m}\n${path}\n${time}\n${nonce}`;
  return m === 'GET' ? head : `${head}\n${sha256Hex(body)}`;
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The headers that authenticate one request (`body`: what a POST sends; a GET sends none). */
export function signRequest(
  key: string,
  method: string,
  path: string,
  now: number,
  nonce: string = newNonce(),
  body: string | Uint8Array = '',
): Record<string, string> {
  const time = String(now);
  return {
    [HEADER_TIME]: time,
    [HEADER_NONCE]: nonce,
    [HEADER_MAC]: hmac(key, requestText(method, path, time, nonce, body)),
  };
}

export function signResponse(key: string, nonce: string, body: string): string {
  return hmac(key, `pillars-peer-response\n${nonce}\n${sha256Hex(body)}`);
}

function sameHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function verifyResponse(key: string, nonce: string, body: string, mac: string | undefined): boolean {
  return mac !== undefined && sameHex(mac, signResponse(key, nonce, body));
}

export type Verdict = { ok: true; nonce: string } | { ok: false; reason: string };

type Headers = Record<string, string | string[] | undefined>;

export interface RequestVerifier {
  /**
   * What can be refused before a body is read: missing or malformed headers, a time outside the
   * window. A request that passes still needs `verify`.
   */
  screen(headers: Headers, now: number): Verdict;
  /** The whole check: MAC over method, path, time, nonce (and the body unless GET), window, replay. */
  verify(method: string, path: string, headers: Headers, now: number, body?: string | Uint8Array): Verdict;
}

/** A verifier with its own memory of nonces (one per listening server). */
export function createVerifier(key: string, windowMs = AUTH_WINDOW_MS, maxNonces = MAX_NONCES): RequestVerifier {
  const seen = new Map<string, number>(); // nonce → time it expires
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? undefined : v);
  const fields = (headers: Headers) => ({
    time: one(headers[HEADER_TIME]),
    nonce: one(headers[HEADER_NONCE]),
    mac: one(headers[HEADER_MAC]),
  });
  const screen = (headers: Headers, now: number): Verdict => {
    const { time, nonce, mac } = fields(headers);
    if (!time || !nonce || !mac) return { ok: false, reason: 'not authenticated' };
    if (!/^\d{1,16}$/.test(time)) return { ok: false, reason: 'bad time' };
    if (!/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, reason: 'bad nonce' };
    if (!/^[0-9a-f]{64}$/.test(mac)) return { ok: false, reason: 'bad signature' };
    if (Math.abs(now - Number(time)) > windowMs)
      return { ok: false, reason: `time ${time} outside the ${windowMs / 1000} s window` };
    return { ok: true, nonce };
  };
  return {
    screen,
    verify(method, path, headers, now, body = '') {
      const { time, nonce, mac } = fields(headers);
      if (!time || !nonce || !mac) return { ok: false, reason: 'not authenticated' };
      if (!/^\d{1,16}$/.test(time)) return { ok: false, reason: 'bad time' };
      if (!/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, reason: 'bad nonce' };
      if (!sameHex(mac, hmac(key, requestText(method, path, time, nonce, body))))
        return { ok: false, reason: 'bad signature' };
      if (Math.abs(now - Number(time)) > windowMs)
        return { ok: false, reason: `time ${time} outside the ${windowMs / 1000} s window` };
      for (const [n, exp] of seen) if (exp < now) seen.delete(n);
      if (seen.has(nonce)) return { ok: false, reason: 'replayed nonce' };
      if (seen.size >= maxNonces) return { ok: false, reason: 'too many requests in the window' };
      seen.set(nonce, Number(time) + windowMs);
      return { ok: true, nonce };
    },
  };
}
