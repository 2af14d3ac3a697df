import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileStateStore,
  decodeStateFile,
  encodeStateFile,
  isSameLiveProcess,
  parseProcStat,
} from '../../../overlay/supervisor/state-file.js';

describe('state file codec', () => {
  it.each([
    [{ pid: 321, token: '4711', ready: true, restarts: 2, since: 1700000000000 }],
    [{ done: true, restarts: 0, since: 5 }],
  ])('round-trips %j', (r) => expect(decodeStateFile(encodeStateFile(r))).toEqual(r));

  it.each([
    '',
    '{',
    'null',
    '[]',
    '{"pid":1,"restarts":0,"since":0}',
    '{"pid":-5,"restarts":0,"since":0}',
    '{"restarts":0,"since":0}',
    '{"pid":9,"since":0}',
    '{"pid":9,"restarts":0,"since":0,"token":5}',
  ])('rejects %j', (text) => expect(decodeStateFile(text)).toBeUndefined());
});

describe('file state store', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'pillars-state-')), 'services');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('saves atomically, loads, removes', () => {
    const store = createFileStateStore(dir);
    expect(store.load('keepalived')).toBeUndefined();
    store.save('keepalived', { pid: 55, token: '99', ready: false, restarts: 0, since: 1 });
    store.save('keepalived', { pid: 55, token: '99', ready: true, restarts: 0, since: 2 });
    expect(readdirSync(dir)).toEqual(['keepalived.json']);
    expect(store.load('keepalived')).toEqual({ pid: 55, token: '99', ready: true, restarts: 0, since: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'keepalived.json'), 'utf8')).ready).toBe(true);
    store.remove('keepalived');
    store.remove('keepalived');
    expect(store.load('keepalived')).toBeUndefined();
  });

  it('a corrupt file reads as no record', () => {
    const store = createFileStateStore(dir);
    store.save('x', { done: true, restarts: 0, since: 0 });
    writeFileSync(join(dir, 'x.json'), '{"pid": 12');
    expect(store.load('x')).toBeUndefined();
  });

  it('refuses names that would escape the directory', () => {
    expect(() => createFileStateStore(dir).save('../etc', { done: true, restarts: 0, since: 0 })).toThrow(
      'cannot be a file name',
    );
  });
});

describe('/proc/PID/stat', () => {
  const stat = (comm: string, state = 'S') =>
    `1234 (${comm}) ${state} 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 200 18446744073709551615`;

  it.each([
    ['keepalived', 'keepalived'],
    ['a b) (c', 'a b) (c'],
  ])('parses comm %j', (comm, want) => {
    expect(parseProcStat(stat(comm))).toEqual({
      pid: 1234,
      comm: want,
      state: 'S',
      ppid: 1,
      pgrp: 1234,
      startTime: '987654',
    });
  });

  it('parses this very process', () => {
    const st = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(st?.pid).toBe(process.pid);
    expect(Number(st?.startTime)).toBeGreaterThan(0);
  });

  it.each<[string | undefined, string | undefined, boolean]>([
    [stat('k'), '987654', true],
    [stat('k'), undefined, true],
    [stat('k'), '111', false], // pid reused by another process
    [stat('k', 'Z'), '987654', false], // zombie
    [undefined, '987654', false], // gone
    ['garbage', undefined, false],
  ])('isSameLiveProcess #%#', (text, token, want) => expect(isSameLiveProcess(text, token)).toBe(want));
});
