/**
 * The lab's record service acknowledges a record only once it is on disk, and says which node
 * serves; started with --ready it says when it listens. Both implementations, the same tests:
 * the compiled Node program (npm run build:ts, as the image runs its bundle) and records.pl,
 * which the heartbeat image runs because it starts in a fraction of Node's time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const nodeProgram = join(root, 'dist', 'overlay', 'roles', 'heartbeat', 'records-main.js');
const plProgram = join(root, 'overlay', 'rootfs', 'usr', 'lib', 'pillars', 'records.pl');
const hasPerl = spawnSync('perl', ['-e', '0']).status === 0;

const IMPLEMENTATIONS: { name: string; argv: string[]; present: boolean; offset: number }[] = [
  { name: 'records.cjs (Node)', argv: [process.execPath, nodeProgram], present: existsSync(nodeProgram), offset: 0 },
  { name: 'records.pl (perl)', argv: ['perl', plProgram], present: hasPerl, offset: 23 },
];

for (const impl of IMPLEMENTATIONS) {
  describe.skipIf(!impl.present)(`pillars-records: ${impl.name}`, () => {
    let dir: string;
    let child: ChildProcess;
    const port = 20000 + ((process.pid + impl.offset) % 20000);
    const url = `http://127.0.0.1:${port}`;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pillars-records-'));
      child = spawn(impl.argv[0]!, [...impl.argv.slice(1), '--listen', `127.0.0.1:${port}`, '--dir', dir], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 100; i++) {
        try {
          if ((await fetch(`${url}/`)).ok) return;
        } catch {
          /* not listening yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('pillars-records did not start within 5 s');
    });
    afterAll(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('appends acknowledged records to the file, tagged with the node', async () => {
      for (const n of [1, 2, 3]) {
        const r = await fetch(`${url}/record/${n}`, { method: 'POST' });
        expect(r.status).toBe(200);
        expect(await r.text()).toBe(`${n} ${hostname()}\n`);
      }
      const expected = [1, 2, 3].map((n) => `${n} ${hostname()}`).join('\n') + '\n';
      expect(readFileSync(join(dir, 'records'), 'utf8')).toBe(expected);
      expect(await (await fetch(`${url}/records`)).text()).toBe(expected);
      expect(await (await fetch(`${url}/`)).text()).toBe(`${hostname()}\n`);
      expect((await fetch(`${url}/record/x`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${url}/record/1`)).status).toBe(404);
      // A record number is digits only, at most 12.
      expect((await fetch(`${url}/record/1234567890123`, { method: 'POST' })).status).toBe(404);
      expect(readFileSync(join(dir, 'records'), 'utf8')).toBe(expected);
    });

    it('refuses a bad or oversized request with 400 and goes on serving; a client that leaves is no harm', async () => {
      const raw = (bytes: string | Buffer, hangUp = false) =>
        new Promise<string>((resolve, reject) => {
          const sock = connect(port, '127.0.0.1');
          let got = '';
          sock.on('connect', () => {
            sock.write(bytes);
            if (hangUp) sock.destroy();
          });
          sock.on('data', (b) => (got += b.toString('latin1')));
          sock.on('close', () => resolve(got));
          sock.on('error', (e) => (hangUp ? resolve('') : reject(e)));
          sock.setTimeout(10_000, () => sock.destroy());
        });
      expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      // 400 (431 from Node.js: its header limit)
      expect(await raw(`GET / HTTP/1.1\r\nx: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 4(00|31) /);
      expect(await raw(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400 /);
      for (let i = 0; i < 5; i++) await raw('POST /record/77 HTTP/1.1\r\n\r\n', true);
      expect(await (await fetch(`${url}/`)).text()).toBe(`${hostname()}\n`);
    });

    it('refuses a listen port it cannot bind instead of wrapping it onto another', () => {
      for (const listen of ['127.0.0.1:70000', '127.0.0.1:0', '127.0.0.1:', '127.0.0.1:123456']) {
        const r = spawnSync(impl.argv[0]!, [...impl.argv.slice(1), '--listen', listen, '--dir', dir], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.status, listen).not.toBe(0);
        expect(r.status, listen).not.toBeNull();
        expect(r.stderr, listen).toMatch(/--listen/);
      }
    });

    it('says "ready" into the FIFO once it listens, and answers then', () => {
      const tmp = mkdtempSync(join(tmpdir(), 'pillars-records-ready-'));
      const readyPort = port + 1;
      try {
        // As the resource script waits: the FIFO held open read-write, one line read, bounded.
        const r = spawnSync(
          'sh',
          [
            '-c',
            `mkfifo "$1/ready" && exec 4<>"$1/ready" && { shift; d=$1; p=$2; shift 2; "$@" --listen 127.0.0.1:"$p" --dir "$d" --ready "$d/ready" >/dev/null 2>&1 & echo $! > "$d/pid"; } && timeout 20 head -n 1 <&4`,
            'sh',
            tmp,
            tmp,
            String(readyPort),
            ...impl.argv,
          ],
          { encoding: 'utf8', timeout: 30_000 },
        );
        const pid = Number(readFileSync(join(tmp, 'pid'), 'utf8'));
        try {
          expect(r.stdout).toBe('ready\n');
          // Listening by the time it says so.
          const probe = spawnSync(process.execPath, [
            '-e',
            `fetch('http://127.0.0.1:${readyPort}/').then((x) => process.exit(x.ok ? 0 : 1), () => process.exit(2))`,
          ]);
          expect(probe.status).toBe(0);
        } finally {
          process.kill(pid, 'SIGKILL');
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
}

describe.skipIf(!hasPerl)('pillars-records: records.pl --daemon', () => {
  it('returns once it listens, with the service in the background under the PID in the file', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'pillars-records-daemon-'));
    const port = 20000 + ((process.pid + 47) % 20000);
    const pidfile = join(tmp, 'pid');
    let pid = 0;
    try {
      const r = spawnSync('perl', [plProgram, '--listen', `127.0.0.1:${port}`, '--dir', tmp, '--daemon', pidfile], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status, r.stderr).toBe(0);
      pid = Number(readFileSync(pidfile, 'utf8'));
      expect(pid).toBeGreaterThan(1);
      // Listening by the time the command returned, in another process than the one that did.
      expect(pid).not.toBe(r.pid);
      const res = await fetch(`http://127.0.0.1:${port}/record/9`, { method: 'POST' });
      expect(await res.text()).toBe(`9 ${hostname()}\n`);
      expect(readFileSync(join(tmp, 'records'), 'utf8')).toBe(`9 ${hostname()}\n`);
      // No temporary PID file left behind.
      expect(readdirSync(tmp).sort()).toEqual(['pid', 'records']);
    } finally {
      if (pid) process.kill(pid, 'SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('fails, with nothing left running, when it cannot listen or open its file', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'pillars-records-daemon-'));
    try {
      const pidfile = join(tmp, 'pid');
      const bad = spawnSync('perl', [plProgram, '--listen', '127.0.0.1:70000', '--dir', tmp, '--daemon', pidfile], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/--listen/);
      const noDir = spawnSync(
        'perl',
        [plProgram, '--listen', '127.0.0.1:1', '--dir', join(tmp, 'missing'), '--daemon', pidfile],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(noDir.status).not.toBe(0);
      expect(noDir.stderr).toMatch(/missing\/records/);
      expect(existsSync(pidfile)).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
