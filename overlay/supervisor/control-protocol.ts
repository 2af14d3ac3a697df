/**
 * pillarsctl ↔ supervisor: newline-delimited JSON over a unix socket.
 *
 *   request:  {"id":1,"cmd":"status","args":{}}\n
 *   response: {"id":1,"ok":true,"result":{…}}\n  or  {"id":1,"ok":false,"error":{"message":"…","hint":"…"}}\n
 *
 * A connection may carry several requests; each response carries its request's id. A line that
 * is not a valid request gets an error response with id null. The encode/decode functions are
 * pure; the server and client are thin node:net wrappers the supervisor's main wires up.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';

export const CONTROL_SOCKET = '/run/pillars/control.sock';
export const COMMANDS = ['status', 'cluster', 'logs', 'reload', 'confirm', 'save', 'poweroff', 'reboot'] as const;
export type Command = (typeof COMMANDS)[number];
/** Longest accepted line (bytes); a peer sending more is cut off. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type RequestId = number | string;

export interface Request {
  id: RequestId;
  cmd: Command;
  args: Record<string, unknown>;
}

export interface ErrorInfo {
  message: string;
  hint?: string;
  /** e.g. validation issues, one per line. */
  details?: string[];
}

export type Response =
  { id: RequestId | null; ok: true; result: unknown } | { id: RequestId | null; ok: false; error: ErrorInfo };

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string; id: RequestId | null };

/** Thrown by a handler to answer with a message and a hint instead of a bare error. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly details?: string[],
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

const isId = (v: unknown): v is RequestId =>
  (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v.length > 0 && v.length <= 128);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function encodeRequest(req: { id: RequestId; cmd: Command; args?: Record<string, unknown> }): string {
  return JSON.stringify({ id: req.id, cmd: req.cmd, args: req.args ?? {} }) + '\n';
}

export function decodeRequest(line: string): Decoded<Request> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON', id: null };
  }
  if (!isObject(v)) return { ok: false, error: 'a request is a JSON object', id: null };
  const id = isId(v.id) ? v.id : null;
  if (id === null) return { ok: false, error: 'id must be an integer or a non-empty string', id: null };
  if (typeof v.cmd !== 'string' || !(COMMANDS as readonly string[]).includes(v.cmd)) {
    return { ok: false, error: `unknown command ${JSON.stringify(v.cmd)} (known: ${COMMANDS.join(', ')})`, id };
  }
  if (v.args !== undefined && !isObject(v.args)) return { ok: false, error: 'args must be an object', id };
  for (const k of Object.keys(v)) {
    if (!['id', 'cmd', 'args'].includes(k)) return { ok: false, error: `unknown field ${k}`, id };
  }
  return {
    ok: true,
    value: { id, cmd: v.cmd as Command, args: (v.args as Record<string, unknown> | undefined) ?? {} },
  };
}

export function encodeResponse(res: Response): string {
  return JSON.stringify(res) + '\n';
}

export function decodeResponse(line: string): Decoded<Response> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON', id: null };
  }
  if (!isObject(v)) return { ok: false, error: 'a response is a JSON object', id: null };
  const id = v.id === null ? null : isId(v.id) ? v.id : undefined;
  if (id === undefined) return { ok: false, error: 'bad id', id: null };
  if (v.ok === true) return { ok: true, value: { id, ok: true, result: v.result ?? null } };
  if (v.ok === false && isObject(v.error) && typeof v.error.message === 'string') {
    const e = v.error;
    const error: ErrorInfo = { message: e.message as string };
    if (typeof e.hint === 'string') error.hint = e.hint;
    if (Array.isArray(e.details) && e.details.every((d) => typeof d === 'string'))
      error.details = e.details as string[];
    return { ok: true, value: { id, ok: false, error } };
  }
  return { ok: false, error: 'a response has ok: true with result, or ok: false with error.message', id };
}

/** Splits a byte stream into UTF-8 lines; calls onOverflow (once) if a line exceeds maxBytes. */
export function createLineDecoder(onLine: (line: string) => void, onOverflow: () => void, maxBytes = MAX_LINE_BYTES) {
  let buf = Buffer.alloc(0);
  let dead = false;
  return {
    push(chunk: Buffer | string) {
      if (dead) return;
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      let nl: number;
      while ((nl = buf.indexOf(0x0a)) >= 0) {
        const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        if (line.trim() !== '') onLine(line);
        if (dead) return;
      }
      if (buf.length > maxBytes) {
        dead = true;
        buf = Buffer.alloc(0);
        onOverflow();
      }
    },
  };
}

export type Handler = (req: Request) => unknown | Promise<unknown>;

export interface ControlServer {
  readonly path: string;
  listen(): Promise<void>;
  close(): Promise<void>;
}

function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ControlError) {
    return {
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.details ? { details: err.details } : {}),
    };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** Answer one decoded line with the handler: the pure core of the server. */
export async function answer(line: string, handler: Handler): Promise<Response> {
  const d = decodeRequest(line);
  if (!d.ok) return { id: d.id, ok: false, error: { message: `bad request: ${d.error}` } };
  try {
    const result = await handler(d.value);
    return { id: d.value.id, ok: true, result: result ?? null };
  } catch (err) {
    return { id: d.value.id, ok: false, error: errorInfo(err) };
  }
}

/** Is a live server behind this socket path? */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function createControlServer(opts: { path?: string; handler: Handler; mode?: number }): ControlServer {
  const path = opts.path ?? CONTROL_SOCKET;
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const serve = (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    const dec = createLineDecoder(
      (line) => {
        void answer(line, opts.handler).then((res) => {
          if (!sock.destroyed) sock.write(encodeResponse(res));
        });
      },
      () => {
        sock.end(
          encodeResponse({ id: null, ok: false, error: { message: `request longer than ${MAX_LINE_BYTES} bytes` } }),
        );
      },
    );
    sock.on('data', (c) => dec.push(c));
  };

  return {
    path,
    async listen() {
      // A socket file left by a supervisor that died: remove it, unless someone still answers.
      const st = await lstat(path).catch(() => undefined);
      if (st) {
        if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
        if (await probe(path)) throw new Error(`another process is already serving ${path}`);
        await unlink(path);
      }
      const srv = createServer(serve);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(path, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      srv.on('error', () => {
        /* per-connection errors are handled on the socket */
      });
      await chmod(path, opts.mode ?? 0o600);
    },
    async close() {
      const srv = server;
      server = undefined;
      if (!srv) return;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      await unlink(path).catch(() => undefined);
    },
  };
}

export interface RequestOptions {
  path?: string;
  timeoutMs?: number;
  id?: RequestId;
}

/** One request on a fresh connection; rejects on connection errors, timeouts or garbage. */
export function sendRequest(
  cmd: Command,
  args: Record<string, unknown> = {},
  opts: RequestOptions = {},
): Promise<Response> {
  const path = opts.path ?? CONTROL_SOCKET;
  const id = opts.id ?? 1;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let settled = false;
    const finish = (err: Error | undefined, res?: Response) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    const dec = createLineDecoder(
      (line) => {
        const d = decodeResponse(line);
        if (!d.ok) return finish(new Error(`bad response from the supervisor: ${d.error}`));
        if (d.value.id === id || d.value.id === null) finish(undefined, d.value);
      },
      () => finish(new Error('response too long')),
    );
    sock.on('connect', () => sock.write(encodeRequest({ id, cmd, args })));
    sock.on('data', (c) => dec.push(c));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? ' (is the supervisor running?)' : '';
      finish(new Error(`cannot reach the supervisor at ${path}: ${err.code ?? err.message}${hint}`, { cause: err }));
    });
    sock.on('close', () => finish(new Error(`the supervisor closed the connection without answering`)));
  });
}
