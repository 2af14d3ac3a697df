/**
 * The lab's fence device and the image's STONITH plugin that drives it: the plugin (run with
 * busybox, as in the image) powers a named "VM" (a real process) off through the controller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parsePowerArgs, pidTarget, powerRequest, startPowerController } from '../../../builder/vm/power.js';

const plugin = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'overlay',
  'rootfs',
  'usr',
  'lib',
  'stonith',
  'plugins',
  'external',
  'pillars-lab',
);

describe('power controller requests', () => {
  it('powers off only a known outlet, by POST', async () => {
    let offs = 0;
    const t = new Map([['ha2', { off: () => void offs++, running: () => offs === 0 }]]);
    expect(await powerRequest('GET', '/status', t)).toEqual({ status: 200, body: 'ok ha2\n' });
    expect((await powerRequest('GET', '/power/ha2/off', t)).status).toBe(405);
    expect((await powerRequest('POST', '/power/ha3/off', t)).status).toBe(404);
    expect(await powerRequest('POST', '/power/ha2/off', t)).toEqual({ status: 200, body: 'off\n' });
    expect(offs).toBe(1);
    expect(await powerRequest('GET', '/power/ha2', t)).toEqual({ status: 200, body: 'off\n' });
  });
  it("a partition's fence race: the first fence wins, the fenced node's own request is void", async () => {
    const on = new Map([
      ['ha1', true],
      ['ha2', true],
    ]);
    const t = new Map(
      ['ha1', 'ha2'].map(
        (n, i) =>
          [n, { address: `192.0.2.${2 + i}`, running: () => on.get(n)!, off: () => void on.set(n, false) }] as const,
      ),
    );
    expect(await powerRequest('POST', '/power/ha2/off', t, undefined, '::ffff:192.0.2.2')).toEqual({
      status: 200,
      body: 'off\n',
    });
    expect(await powerRequest('POST', '/power/ha1/off', t, undefined, '192.0.2.3')).toEqual({
      status: 403,
      body: 'ha2 is powered off; its request is void\n',
    });
    expect([...on.values()]).toEqual([true, false]);
  });
  it('follows a pid file, so a VM booted again stays on its outlet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillars-power-'));
    try {
      const file = join(dir, 'ha2.qemu.pid');
      writeFileSync(file, '111\n');
      const killed: number[] = [];
      const t = pidTarget(file, (pid, sig) => void (sig === 'SIGKILL' && killed.push(pid)));
      writeFileSync(file, '222\n');
      void t.off();
      expect(killed).toEqual([222]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('parses its command line', () => {
    expect(parsePowerArgs(['--listen', '192.0.2.254:8090', 'ha1=100@192.0.2.2', 'ha2=200'])).toEqual({
      listen: { host: '192.0.2.254', port: 8090 },
      pids: new Map([
        ['ha1', 100],
        ['ha2', 200],
      ]),
      addresses: new Map([['ha1', '192.0.2.2']]),
    });
    expect(parsePowerArgs(['ha1=1'])).toEqual({ error: '--listen is required' });
    expect(parsePowerArgs(['--listen', '192.0.2.254:8090', 'ha1=/tmp/x/ha1.pid'])).toEqual({
      listen: { host: '192.0.2.254', port: 8090 },
      pids: new Map([['ha1', '/tmp/x/ha1.pid']]),
      addresses: new Map(),
    });
  });
});

describe('the external/pillars-lab STONITH plugin against the controller', () => {
  let vm: ChildProcess;
  let server: Server;
  let address: string;
  beforeAll(async () => {
    vm = spawn('sleep', ['120'], { stdio: 'ignore' });
    server = await startPowerController({ host: '127.0.0.1', port: 0 }, new Map([['ha2', pidTarget(vm.pid!)]]));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    vm.kill('SIGKILL');
  });
  // Asynchronous: the controller answers from this process's event loop.
  const stonith = (...args: string[]) =>
    new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(
        'sh',
        [plugin, ...args],
        { encoding: 'utf8', timeout: 15_000, env: { hostlist: 'ha1,ha2', address } },
        (err, stdout) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout }),
      );
    });

  it("answers heartbeat's questions", async () => {
    expect((await stonith('getconfignames')).stdout).toBe('hostlist\naddress\n');
    expect((await stonith('gethosts')).stdout).toBe('ha1\nha2\n');
    expect(await stonith('status')).toEqual({
      status: 0,
      stdout: `pillars-lab: power controller at ${address} answers`,
    });
    expect((await stonith('getinfo-xml')).stdout).toContain('<parameter name="address"');
  });
  it('powers the named VM off', async () => {
    const exited = new Promise<number | null>((resolve) =>
      vm.once('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? 9 : null)),
    );
    const reset = await stonith('reset', 'ha2');
    expect(reset.status).toBe(0);
    // One line, no newline at its end: cluster-glue reads these commands' output line by line and
    // sleeps a second whenever a read finds none, so "" or "…\n" would add a second to every fence.
    expect(reset.stdout).toBe('pillars-lab: ha2 powered off');
    expect(await exited).toBe(9);
  });
  it('fails for a node it has no outlet for, so heartbeat does not take over on a failed fence', async () => {
    expect((await stonith('off', 'ha1')).status).not.toBe(0);
  });
});
