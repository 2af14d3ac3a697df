/**
 * The lab's record service acknowledges a record only once it is on disk, and says which node
 * serves. Runs the compiled program (npm run build:ts) as the image runs its bundle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const program = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'dist',
  'overlay',
  'roles',
  'heartbeat',
  'records-main.js',
);

describe.skipIf(!existsSync(program))('pillars-records', () => {
  let dir: string;
  let child: ChildProcess;
  const port = 20000 + (process.pid % 20000);
  const url = `http://127.0.0.1:${port}`;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pillars-records-'));
    child = spawn(process.execPath, [program, '--listen', `127.0.0.1:${port}`, '--dir', dir], { stdio: 'ignore' });
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
    for (const n of [1, 2, 3]) expect((await fetch(`${url}/record/${n}`, { method: 'POST' })).status).toBe(200);
    const expected = [1, 2, 3].map((n) => `${n} ${hostname()}`).join('\n') + '\n';
    expect(readFileSync(join(dir, 'records'), 'utf8')).toBe(expected);
    expect(await (await fetch(`${url}/records`)).text()).toBe(expected);
    expect(await (await fetch(`${url}/`)).text()).toBe(`${hostname()}\n`);
    expect((await fetch(`${url}/record/x`, { method: 'POST' })).status).toBe(404);
  });
});
