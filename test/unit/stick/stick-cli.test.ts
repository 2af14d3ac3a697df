import { execFileSync } from 'node:child_process';
/**
 * `pillars stick` on real floppy images through mtools (no root, no mounting): every write is
 * followed by a read-only fsck.fat.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStickCommand, parseArgs } from '../../../builder/commands/stick.js';
import { silentLogger } from '../../../builder/log.js';
import { run } from '../../../builder/exec.js';
import { checkFat } from '../../../builder/stick/format.js';
import { MtoolsStickFs } from '../../../builder/stick/mtools.js';
import { UserError } from '../../../builder/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pillars-stick-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const now = () => new Date('2026-01-02T03:04:05.000Z');

async function pillars(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; ask?: () => Promise<string | undefined> } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const spy = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  const cmd = makeStickCommand({ now, env: opts.env ?? {}, ask: opts.ask ?? (async () => undefined) });
  try {
    const code = await cmd.run(argv, { log: silentLogger, stdout: (t) => out.push(t), debug: false });
    return { code, out: out.join('\n'), err: err.join('') };
  } catch (e) {
    if (e instanceof UserError) return { code: e.exitCode, out: out.join('\n'), err: err.join('') + e.message };
    throw e;
  } finally {
    spy.mockRestore();
  }
}

async function fsckClean(img: string) {
  const r = await checkFat(img);
  expect(r.clean, r.output).toBe(true);
}

describe('round trip on a floppy image: init → set → get → history → restore', () => {
  let img: string;
  beforeAll(() => {
    img = join(dir, 'floppy.img');
  });

  test('init makes a 1.44 MB PILLARS floppy with the starter config as generation 1', async () => {
    const r = await pillars(['init', img, '--profile', 'director', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ ok: true, target: img, kind: 'image', profile: 'director', generation: 1 });
    expect((await stat(img)).size).toBe(1440 * 1024);
    await fsckClean(img);
    const label = await run('mlabel', ['-s', '-i', img, '::'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    expect(label.stdout).toContain('PILLARS');
    const files = await new MtoolsStickFs(img).list('');
    expect(files).toEqual(['pillars.schema.json', 'pillars.yaml']);
  });

  test('init refuses an existing stick without --force', async () => {
    const r = await pillars(['init', img]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is already a pillars stick');
  });

  test('set keeps comments, validates, and saves generation 2', async () => {
    const r = await pillars(['-s', img, 'set', 'vrrp.instances[0].priority.lb1', '200']);
    expect(r).toMatchObject({ code: 0, out: 'set vrrp.instances[0].priority.lb1: saved as generation 2' });
    await fsckClean(img);
    const shown = await pillars(['show', '--stick', img]);
    expect(shown.out).toContain('vrid: 51                 # virtual_router_id, unique per interface (1-255)');
    expect(shown.out).toContain('priority: { lb1: 200, lb2: 100 }');
  });

  test('an invalid set is refused with the exact message and nothing is written', async () => {
    const r = await pillars(['-s', img, 'set', 'vrrp.instances[0].priority.lb1', '300']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pillars.yaml:54:24: vrrp.instances[0].priority.lb1: must be 1-254, got 300');
    expect(r.err).toContain('not saved');
    const h = await pillars(['-s', img, 'history', '--json']);
    expect(JSON.parse(h.out).generations.map((g: { generation: number }) => g.generation)).toEqual([1, 2]);
  });

  test('get prints values (text and JSON)', async () => {
    expect((await pillars(['-s', img, 'get', 'vrrp.instances[0].priority.lb1'])).out).toBe('200');
    expect(JSON.parse((await pillars(['-s', img, 'get', 'vrrp.instances[0].priority', '--json'])).out)).toEqual({
      lb1: 200,
      lb2: 100,
    });
    expect(await pillars(['-s', img, 'get', 'vrrp.instances[7]'])).toMatchObject({ code: 1 });
  });

  test('history, diff and restore', async () => {
    const h = await pillars(['-s', img, 'history']);
    expect(h.out.split('\n')).toEqual([
      'GEN     SAVED                     LINES  STATE',
      '1       2026-01-02T03:04:05.000Z     95  ',
      '2       2026-01-02T03:04:05.000Z     95  current',
    ]);
    const d = await pillars(['-s', img, 'diff', '@1', '@2']);
    expect(d.out).toContain('-      priority: { lb1: 150, lb2: 100 }\n+      priority: { lb1: 200, lb2: 100 }');
    const r = await pillars(['-s', img, 'restore', '1']);
    expect(r).toMatchObject({ code: 0, out: 'generation 1 restored as generation 3' });
    await fsckClean(img);
    expect((await pillars(['-s', img, 'get', 'vrrp.instances[0].priority.lb1'])).out).toBe('150');
    expect((await pillars(['-s', img, 'restore', '9'])).code).toBe(3);
  });

  test('unset, then validate the stick and a file', async () => {
    expect((await pillars(['-s', img, 'unset', 'routes'])).code).toBe(0);
    await fsckClean(img);
    const v = await pillars(['-s', img, 'validate', '--json']);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, generation: 4, profile: 'director', nodes: ['lb1', 'lb2'] });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nnodes: {}\n');
    const vb = await pillars(['validate', bad, '--json']);
    expect(vb.code).toBe(1);
    expect(JSON.parse(vb.out).issues[0]).toEqual({
      file: bad,
      line: 2,
      column: 8,
      path: 'nodes',
      message: 'must have at least 1 entry',
    });
  });

  test('secrets are masked in show unless asked', async () => {
    expect((await pillars(['-s', img, 'set', 'admin.console_password_hash', '$6$salt$hashhashhash'])).code).toBe(0);
    expect((await pillars(['-s', img, 'show'])).out).toContain("console_password_hash: '********'");
    expect((await pillars(['-s', img, 'show', '--show-secrets'])).out).toContain(
      'console_password_hash: $6$salt$hashhashhash',
    );
  });

  test('export and import', async () => {
    const f = join(dir, 'exported.yaml');
    expect((await pillars(['-s', img, 'export', f])).code).toBe(0);
    const text = await readFile(f, 'utf8');
    expect(text).not.toContain('pillars-generation');
    await writeFile(f, text.replace('vrid: 52', 'vrid: 53'));
    expect((await pillars(['-s', img, 'import', f])).out).toBe(`import ${f}: saved as generation 6`);
    await fsckClean(img);
    await writeFile(f, text.replace('vrid: 52', 'vrid: 256'));
    const r = await pillars(['-s', img, 'import', f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${f}:\\d+:13: vrrp\\.instances\\[1\\]\\.vrid: must be 1-255, got 256`));
  });
});

describe('edit', () => {
  let img: string;
  let editor: string;
  beforeAll(async () => {
    img = join(dir, 'edit.img');
    expect((await pillars(['init', img, '--profile', 'heartbeat'])).code).toBe(0);
    // An "editor" that breaks the file on its first run and fixes it on the second.
    editor = join(dir, 'editor.sh');
    await writeFile(
      editor,
      `#!/bin/sh\nn=$(cat "${dir}/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${dir}/count"\n` +
        `if [ $n = 1 ]; then sed -i 's/deadtime: 30000/deadtime: 1000/' "$1"; else sed -i 's/deadtime: 1000$/deadtime: 40000/' "$1"; fi\n`,
    );
    await chmod(editor, 0o755);
  });

  test('an invalid edit is never saved', async () => {
    await rm(join(dir, 'count'), { force: true });
    const r = await pillars(['-s', img, 'edit'], { env: { EDITOR: editor } });
    expect(r.code).toBe(1);
    expect(r.err).toContain('heartbeat.deadtime: must be greater than 2 × keepalive (4000 ms), got 1000 ms');
    expect((await pillars(['-s', img, 'get', 'heartbeat.deadtime'])).out).toBe('30000');
  });

  test('the editor re-opens on errors until the config is valid', async () => {
    await rm(join(dir, 'count'), { force: true });
    const r = await pillars(['-s', img, 'edit'], { env: { EDITOR: editor }, ask: async () => 'y' });
    expect(r).toMatchObject({ code: 0, out: 'saved as generation 2' });
    expect(await readFile(join(dir, 'count'), 'utf8')).toBe('2\n');
    expect((await pillars(['-s', img, 'get', 'heartbeat.deadtime'])).out).toBe('40000');
    await fsckClean(img);
  });
});

describe('usage and I/O errors', () => {
  test.each([
    [['bogus'], 2, 'unknown subcommand "bogus"'],
    [['show'], 2, 'which stick?'],
    [['get', '--stick', '/nonexistent/x.img', 'a'], 3, 'no such stick'],
    [['init'], 2, 'expected TARGET'],
    [['init', 'x.img', '--profile', 'balancer'], 2, 'unknown profile "balancer"'],
    [['init', 'x.img', '--floppy', '--size', '8'], 2, '--floppy and --size exclude each other'],
    [['show', '--frobnicate'], 2, 'unknown option --frobnicate'],
  ] as const)('%j → exit %i', async (argv, code, msg) => {
    const r = await pillars([...argv]);
    expect(r.code).toBe(code);
    expect(r.err).toContain(msg);
  });
  test('a file that is not a stick', async () => {
    const f = join(dir, 'plain.bin');
    await writeFile(f, Buffer.alloc(2048, 7));
    expect(await pillars(['-s', f, 'show'])).toMatchObject({ code: 3 });
    const init = await pillars(['init', f]);
    expect(init.code).toBe(2);
    expect(init.err).toContain('holds other data');
  });
  test('a character device, FIFO or socket is refused, and left as it is', async () => {
    // A FIFO stands in for /dev/null and friends: init once renamed its new image over the path.
    const fifo = join(dir, 'not-a-stick.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const argv of [
      ['init', fifo, '--force'],
      ['-s', fifo, 'show'],
    ]) {
      const r = await pillars(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${fifo} is not a stick image file or a block device`);
    }
    expect((await stat(fifo)).isFIFO()).toBe(true);
  });
  test('--size makes a bigger image', async () => {
    const img = join(dir, 'usb.img');
    expect((await pillars(['init', img, '--size', '8', '--profile', 'realserver'])).code).toBe(0);
    expect((await stat(img)).size).toBe(8 * 1024 * 1024);
    await fsckClean(img);
  });
  test('argument parsing', () => {
    expect(parseArgs(['-s', 'a.img', 'set', 'x', '-5', '--json'])).toEqual({
      positional: ['set', 'x', '-5'],
      flags: new Set(['--json']),
      options: new Map([['--stick', 'a.img']]),
    });
  });
});

describe('--confirm: a generation saved on probation', () => {
  let img: string;
  beforeAll(async () => {
    img = join(dir, 'confirm.img');
    expect((await pillars(['init', img, '--profile', 'director'])).code).toBe(0);
  });

  test('set --confirm marks the new generation; history names it and the one the box falls back to', async () => {
    const r = await pillars(['-s', img, 'set', 'vrrp.instances[0].priority.lb1', '210', '--confirm', '5']);
    expect(r).toMatchObject({
      code: 0,
      out: 'set vrrp.instances[0].priority.lb1: saved as generation 2, on probation: the box boots it and rolls back to generation 1 unless `pillarsctl confirm` runs within 5 min',
    });
    await fsckClean(img);
    const files = await new MtoolsStickFs(img).list('');
    expect(files).toEqual(['pillars.schema.json', 'pillars.unconfirmed', 'pillars.yaml']);
    const mark = await new MtoolsStickFs(img).read('pillars.unconfirmed');
    expect(mark).toMatch(/^# pillars: generation 2 awaits confirmation/);
    expect(mark).toContain(
      '\nconfirmed: 1\nwindow_seconds: 300\nsince: 2026-01-02T03:04:05.000Z\ntried: no\nby: pillars stick set\n',
    );
    const h = await pillars(['-s', img, 'history']);
    expect(h.out.split('\n').slice(1, 3)).toEqual([
      expect.stringMatching(/^1 .* {2}confirmed$/),
      expect.stringMatching(/^2 .* {2}current, awaits confirmation$/),
    ]);
    expect(h.out).toContain(
      'generation 2 is on probation (pillars stick set): the box boots it and rolls back to generation 1 unless `pillarsctl confirm` runs within 5 min',
    );
    const j = JSON.parse((await pillars(['-s', img, 'history', '--json'])).out);
    expect(j.pending).toEqual({
      generation: 2,
      confirmed: 1,
      windowSeconds: 300,
      since: '2026-01-02T03:04:05.000Z',
      tried: false,
      by: 'pillars stick set',
    });
  });

  test('another change with --confirm keeps the same fallback; a plain save removes the mark', async () => {
    const r = await pillars(['-s', img, 'restore', '1', '--confirm', '60', '--json']);
    expect(JSON.parse(r.out)).toEqual({
      ok: true,
      restored: 1,
      generation: 3,
      probation: { confirmed: 1, windowSeconds: 3600 },
    });
    expect((await pillars(['-s', img, 'set', 'vrrp.instances[0].priority.lb1', '220'])).code).toBe(0);
    expect(await new MtoolsStickFs(img).list('')).toEqual(['pillars.schema.json', 'pillars.yaml']);
    expect(JSON.parse((await pillars(['-s', img, 'history', '--json'])).out).pending).toBeNull();
    await fsckClean(img);
  });

  test.each([
    [['set', 'x', '1', '--confirm', '0'], '--confirm MINUTES must be a whole number from 1 to 60, got 0'],
    [['set', 'x', '1', '--confirm', '61'], '--confirm MINUTES must be a whole number from 1 to 60, got 61'],
    [['set', 'x', '1', '--confirm', '5s'], '--confirm MINUTES must be a whole number from 1 to 60, got 5s'],
    [['show', '--confirm', '5'], '--confirm applies to set, unset, edit, import, restore'],
  ])('%j is a usage error', async (argv, msg) => {
    const r = await pillars(['-s', img, ...argv]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
  });
});
