import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ControlError,
  answer,
  createControlServer,
  createLineDecoder,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  sendRequest,
  type ControlServer,
  type Request,
} from '../../../overlay/supervisor/control-protocol.js';

describe('encode / decode', () => {
  it('round-trips a request', () => {
    const line = encodeRequest({ id: 7, cmd: 'logs', args: { service: 'keepalived', lines: 20 } });
    expect(line).toBe('{"id":7,"cmd":"logs","args":{"service":"keepalived","lines":20}}\n');
    expect(decodeRequest(line.trim())).toEqual({
      ok: true,
      value: { id: 7, cmd: 'logs', args: { service: 'keepalived', lines: 20 } },
    });
    expect(decodeRequest('{"id":"a","cmd":"status"}')).toEqual({
      ok: true,
      value: { id: 'a', cmd: 'status', args: {} },
    });
  });

  it.each([
    ['nope', 'not JSON', null],
    ['[1]', 'a request is a JSON object', null],
    ['{"cmd":"status"}', 'id must be an integer or a non-empty string', null],
    ['{"id":1.5,"cmd":"status"}', 'id must be an integer or a non-empty string', null],
    [
      '{"id":3,"cmd":"rm -rf"}',
      'unknown command "rm -rf" (known: status, cluster, logs, reload, confirm, save, poweroff, reboot)',
      3,
    ],
    ['{"id":3,"cmd":"status","args":[1]}', 'args must be an object', 3],
    ['{"id":3,"cmd":"status","extra":1}', 'unknown field extra', 3],
  ])('rejects %s', (line, error, id) => {
    expect(decodeRequest(line)).toEqual({ ok: false, error, id });
  });

  it.each([
    [{ id: 1, ok: true as const, result: { services: [] } }],
    [
      {
        id: 'x',
        ok: false as const,
        error: { message: 'invalid config', hint: 'fix pillars.yaml', details: ['pillars.yaml:3:1: bad'] },
      },
    ],
    [{ id: null, ok: false as const, error: { message: 'bad request: not JSON' } }],
  ])('round-trips response %j', (res) => {
    expect(decodeResponse(encodeResponse(res).trim())).toEqual({ ok: true, value: res });
  });

  it.each(['{"id":1}', '{"id":1,"ok":false,"error":{}}', '{"id":{},"ok":true}', 'x'])('rejects response %s', (line) => {
    expect(decodeResponse(line).ok).toBe(false);
  });

  it('line decoder splits chunks, skips blank lines, stops at an overlong line', () => {
    const lines: string[] = [];
    let overflow = 0;
    const d = createLineDecoder(
      (l) => lines.push(l),
      () => overflow++,
      16,
    );
    d.push('{"a":1}\n\n{"b"');
    d.push(Buffer.from(':2}\r\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    d.push('x'.repeat(17));
    d.push('\n{"c":3}\n');
    expect(overflow).toBe(1);
    expect(lines).toHaveLength(2);
  });

  it('answer() turns handler results and errors into responses', async () => {
    const h = (r: Request) => {
      if (r.cmd === 'save') throw new ControlError('stick is read-only', 'check the write-protect switch');
      if (r.cmd === 'reload') throw new Error('boom');
      return r.cmd === 'status' ? { ok: 1 } : undefined;
    };
    expect(await answer('{"id":1,"cmd":"status"}', h)).toEqual({ id: 1, ok: true, result: { ok: 1 } });
    expect(await answer('{"id":2,"cmd":"poweroff"}', h)).toEqual({ id: 2, ok: true, result: null });
    expect(await answer('{"id":3,"cmd":"save"}', h)).toEqual({
      id: 3,
      ok: false,
      error: { message: 'stick is read-only', hint: 'check the write-protect switch' },
    });
    expect(await answer('{"id":4,"cmd":"reload"}', h)).toEqual({ id: 4, ok: false, error: { message: 'boom' } });
    expect(await answer('{"id":5,"cmd":"halt"}', h)).toMatchObject({
      id: 5,
      ok: false,
      error: { message: expect.stringMatching(/^bad request: unknown command/) },
    });
  });
});

describe('over a real unix socket', () => {
  let dir: string;
  let path: string;
  let server: ControlServer | undefined;
  const handler = async (r: Request) => {
    if (r.cmd === 'status') return { services: [{ name: 'keepalived', state: 'ready' }] };
    if (r.cmd === 'logs') {
      await new Promise((res) => setTimeout(res, 30));
      return { lines: [`logs of ${String(r.args.service)}`] };
    }
    if (r.cmd === 'reload')
      throw new ControlError('config invalid; running config kept', 'run pillars stick validate', [
        'pillars.yaml:3:1: bad',
      ]);
    return null;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pillars-ctl-'));
    path = join(dir, 'control.sock');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves status, errors with hints, and restricts the socket to root', async () => {
    server = createControlServer({ path, handler });
    await server.listen();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await sendRequest('status', {}, { path })).toEqual({
      id: 1,
      ok: true,
      result: { services: [{ name: 'keepalived', state: 'ready' }] },
    });
    expect(await sendRequest('reload', {}, { path, id: 'r1' })).toEqual({
      id: 'r1',
      ok: false,
      error: {
        message: 'config invalid; running config kept',
        hint: 'run pillars stick validate',
        details: ['pillars.yaml:3:1: bad'],
      },
    });
  });

  it('answers several requests on one connection by id, bad lines with id null', async () => {
    server = createControlServer({ path, handler });
    await server.listen();
    const got: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = connect(path);
      const dec = createLineDecoder((l) => {
        got.push(JSON.parse(l));
        if (got.length === 3) {
          s.end();
          resolve();
        }
      }, reject);
      s.on('data', (c) => dec.push(c));
      s.on('error', reject);
      s.write(
        encodeRequest({ id: 1, cmd: 'logs', args: { service: 'ssh' } }) +
          'garbage\n' +
          encodeRequest({ id: 2, cmd: 'status' }),
      );
    });
    // logs is slow, so its answer comes last; each carries its own id.
    expect(got).toEqual([
      { id: null, ok: false, error: { message: 'bad request: not JSON' } },
      { id: 2, ok: true, result: { services: [{ name: 'keepalived', state: 'ready' }] } },
      { id: 1, ok: true, result: { lines: ['logs of ssh'] } },
    ]);
  });

  it('replaces a stale socket left by a dead supervisor', async () => {
    // A process that listens and is then SIGKILLed leaves its socket file behind, like a crashed supervisor.
    const r = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(r.signal).toBe('SIGKILL');
    expect(statSync(path).isSocket()).toBe(true);
    server = createControlServer({ path, handler });
    await server.listen();
    expect((await sendRequest('status', {}, { path })).ok).toBe(true);
  });

  it('refuses to start when another server is live, or the path is not a socket', async () => {
    server = createControlServer({ path, handler });
    await server.listen();
    await expect(createControlServer({ path, handler }).listen()).rejects.toThrow(
      `another process is already serving ${path}`,
    );
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    await expect(createControlServer({ path: file, handler }).listen()).rejects.toThrow('exists and is not a socket');
  });

  it('client errors say what is wrong', async () => {
    await expect(sendRequest('status', {}, { path })).rejects.toThrow(
      /cannot reach the supervisor at .*: ENOENT \(is the supervisor running\?\)/,
    );
    const conns: import('node:net').Socket[] = [];
    const silent = createServer((c) => conns.push(c));
    await new Promise<void>((r) => silent.listen(path, r));
    try {
      await expect(sendRequest('status', {}, { path, timeoutMs: 50 })).rejects.toThrow('no answer from');
    } finally {
      conns.forEach((c) => c.destroy());
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('close() removes the socket file', async () => {
    server = createControlServer({ path, handler });
    await server.listen();
    await server.close();
    server = undefined;
    expect(existsSync(path)).toBe(false);
  });
});
