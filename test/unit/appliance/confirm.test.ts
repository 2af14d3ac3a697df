/**
 * Commit-confirm in the appliance layer, on the fake box around the real supervisor, with a fake
 * clock for the window and a stick in memory: an unconfirmed change is applied back through the
 * hitless reload when the window ends; `confirm` keeps it; a second change keeps the rollback
 * target; the stick's mark makes a boot run the confirmed generation, or a generation written on
 * the laptop with --confirm on probation.
 */
import { describe, expect, it } from 'vitest';
import { configure } from '../../../overlay/appliance/configure.js';
import { createConfirm, isProbation, type Probation } from '../../../overlay/appliance/confirm.js';
import type { ConfirmJournal, Stick, StickMarks } from '../../../overlay/appliance/ports.js';
import type { ReloadDeps } from '../../../overlay/appliance/reload.js';
import { clearMark, markCurrent, markTried, readProbation, savePending } from '../../../overlay/config/confirm.js';
import { readMark } from '../../../overlay/config/mark.js';
import { MemoryStickFs } from '../../../overlay/config/memfs.js';
import { loadStickConfig } from '../../../overlay/config/read.js';
import { saveConfig } from '../../../overlay/config/store.js';
import { readLineage } from '../../../overlay/config/sync.js';
import { statusJson, statusText } from '../../../overlay/supervisor/status-view.js';
import { applianceView } from '../../../overlay/appliance/state.js';
import { FakeClock } from '../supervisor/fakes.js';
import { outcome, setup, starter, until } from './fakes.js';

const MIN = 60_000;
const weight3 = starter.replace(/weight: 1\b/, 'weight: 3');
const weight5 = starter.replace(/weight: 1\b/, 'weight: 5');

function memoryJournal(): ConfirmJournal<Probation> & { value: Probation | undefined } {
  const j = {
    value: undefined as Probation | undefined,
    read: async () => (j.value ? (JSON.parse(JSON.stringify(j.value)) as Probation) : undefined),
    write: async (v: Probation) => void (j.value = JSON.parse(JSON.stringify(v)) as Probation),
    remove: async () => void (j.value = undefined),
  };
  return j;
}

function marksOn(fs: MemoryStickFs): StickMarks {
  return {
    inspect: (current) => readProbation(fs, current),
    markCurrent: (sha, req) => markCurrent(fs, sha, req),
    markTried: (m) => markTried(fs, m),
    savePending: (body, req) => savePending(fs, body, req),
    clear: () => clearMark(fs),
  };
}

/** A box running `text` from generation 1 of a stick in memory, with commit-confirm wired. */
async function box(
  opts: { text?: string; testing?: boolean; fs?: MemoryStickFs; journal?: ReturnType<typeof memoryJournal> } = {},
) {
  const t = setup();
  const fs = opts.fs ?? new MemoryStickFs(true);
  if (!opts.fs) await saveConfig(fs, starter);
  const clock = new FakeClock();
  clock.t = Date.parse('2026-01-02T03:00:00.000Z');
  const journal = opts.journal ?? memoryJournal();
  const stick: Stick = {
    mountPoint: '/mnt/stick',
    mounted: () => true,
    load: () => loadStickConfig(fs),
    save: (body) => saveConfig(fs, body),
    lineage: () => readLineage(fs),
    unmount: async () => undefined,
  };
  const reloadDeps: ReloadDeps = {
    ...t.deps,
    stick,
    node: 'lb1',
    reloaded: () => undefined,
    markManual: () => undefined,
  };
  const confirm = createConfirm(t.state, {
    reload: reloadDeps,
    marks: marksOn(fs),
    journal,
    clock,
    testing: opts.testing ?? false,
  });
  const start = async (text = opts.text ?? starter) => {
    await configure(t.state, outcome(text), t.deps);
    await until(() => t.box.live('keepalived') !== undefined);
    t.state.services!.supervisor.markReady('keepalived');
    await until(() => t.state.announced);
  };
  const stop = () => t.state.services?.supervisor.shutdown();
  const console = () => t.lines.join('\n');
  return { ...t, fs, clock, journal, stick, confirm, start, stop, console };
}

describe('reload --confirm', () => {
  it('unconfirmed: the previous config is applied again by the hitless reload when the window ends', async () => {
    const b = await box();
    await b.start();
    const pid = b.box.live('keepalived-lvs')!.pid;
    const vrrpPid = b.box.live('keepalived')!.pid;
    b.knobs.configFile = weight3;
    const r = (await b.confirm.reload('/tmp/new.yaml', { minutes: 2 })) as { message: string; deadline: string };
    expect(r.message).toMatch(
      /^\/tmp\/new\.yaml \(sha256 \w{12}\) runs on probation: rolled back to generation 1 \(sha256 \w{12}\) at 03:02:00 UTC \(in 2 min\) unless `pillarsctl confirm`; stick: unchanged: a reboot boots its generation 1/,
    );
    expect(r.deadline).toBe('2026-01-02T03:02:00.000Z');
    expect(b.state.running!.outcome.body).toBe(weight3);
    expect(b.state.confirm).toMatchObject({ state: 'pending', deadline: Date.parse(r.deadline), windowSeconds: 120 });
    const text = statusText(applianceView(b.state, 5, b.clock.now() + 30_000));
    expect(text).toMatch(
      /^confirm {3}PENDING: \/tmp\/new\.yaml \(sha256 \w+\) runs on probation; rollback to generation 1 \(sha256 \w+\) at 03:02:00 UTC \(in 1m30s\) unless `pillarsctl confirm`$/m,
    );
    expect((statusJson(applianceView(b.state, 5)).config as { confirm: unknown }).confirm).toMatchObject({
      state: 'pending',
      rollbackTo: expect.stringMatching(/^generation 1 /),
    });

    b.clock.advance(2 * MIN - 1);
    expect(b.state.running!.outcome.body).toBe(weight3);
    b.clock.advance(1);
    await until(() => b.state.running!.outcome.body === starter);
    expect(b.state.running!.outcome.body).toBe(starter);
    expect(b.console()).toMatch(
      /pillars: \/tmp\/new\.yaml \(sha256 \w+\) not confirmed within 2 min: rolled back to generation 1 \(sha256 \w+\)/,
    );
    // Hitless both ways: the health checker re-read its file twice, the same process; the VRRP
    // process holding the VIPs was not signalled at all.
    expect(b.box.live('keepalived-lvs')!.pid).toBe(pid);
    expect(b.box.live('keepalived')!.pid).toBe(vrrpPid);
    expect(b.box.leaderSignals).toEqual([
      { pid, signal: 'SIGHUP' },
      { pid, signal: 'SIGHUP' },
    ]);
    expect(b.state.running!.outcome.source).toMatchObject({ generation: 1, device: '/dev/sda1' });
    expect(b.state.confirm).toMatchObject({ state: 'rolled-back', why: 'not confirmed within 2 min' });
    expect(b.journal.value).toBeUndefined();
    await expect(b.confirm.confirm()).rejects.toMatchObject({
      message: 'nothing awaits confirmation',
      hint: expect.stringMatching(
        /: not confirmed within 2 min, rolled back; `pillarsctl reload --confirm MINUTES` tries it again$/,
      ),
    });
    await b.stop();
  });

  it('confirmed: the change stays after the window', async () => {
    const b = await box();
    await b.start();
    b.knobs.configFile = weight3;
    await b.confirm.reload('/tmp/new.yaml', { minutes: 1 });
    b.clock.advance(30_000);
    expect(await b.confirm.confirm()).toEqual({
      message: expect.stringMatching(/^confirmed: \/tmp\/new\.yaml .* stays$/),
    });
    expect(b.console()).toMatch(/pillars: \/tmp\/new\.yaml \(sha256 \w+\) confirmed \(30s before the rollback\)/);
    b.clock.advance(10 * MIN);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.state.running!.outcome.body).toBe(weight3);
    expect(b.state.confirm).toBeUndefined();
    expect(b.clock.pending()).toEqual([]);
    await b.stop();
  });

  it('a second change while one is pending: the rollback target stays the last confirmed config', async () => {
    const b = await box();
    await b.start();
    b.knobs.configFile = weight3;
    await b.confirm.reload('/tmp/a.yaml', { minutes: 5 });
    // A plain reload would take the unconfirmed change as its base: refused.
    b.knobs.configFile = weight5;
    await expect(b.confirm.reload('/tmp/b.yaml', undefined)).rejects.toMatchObject({
      message: expect.stringMatching(
        /^reload refused: \/tmp\/a\.yaml .* awaits confirmation \(rollback to generation 1 /,
      ),
      hint: expect.stringContaining('pillarsctl confirm'),
    });
    b.clock.advance(4 * MIN);
    await b.confirm.reload('/tmp/b.yaml', { minutes: 1 });
    expect(b.state.running!.outcome.body).toBe(weight5);
    // The window starts again with the second change.
    b.clock.advance(MIN - 1);
    expect(b.state.running!.outcome.body).toBe(weight5);
    b.clock.advance(1);
    await until(() => b.state.running!.outcome.body === starter);
    expect(b.console()).toMatch(/\/tmp\/b\.yaml .* not confirmed within 1 min: rolled back to generation 1/);
    await b.stop();
  });

  it('bounds: whole minutes 1-60; seconds only on a box booted for tests; not while unconfigured', async () => {
    const b = await box();
    await expect(b.confirm.reload(undefined, { minutes: 1 })).rejects.toThrow(
      'reload --confirm refused: the appliance is unconfigured, there is no config to roll back to',
    );
    await b.start();
    for (const minutes of [0, 61, 1.5])
      await expect(b.confirm.reload('/tmp/x.yaml', { minutes })).rejects.toThrow(
        `--confirm: MINUTES must be a whole number from 1 to 60, got ${minutes}`,
      );
    await expect(b.confirm.reload('/tmp/x.yaml', { seconds: 20 })).rejects.toThrow(
      '--confirm: the seconds form is for tests only (a box booted with pillars.test=ctlserial)',
    );
    await expect(b.confirm.reload('/tmp/x.yaml', 'soon' as never)).rejects.toThrow('--confirm: expected MINUTES');
    expect(b.state.running!.outcome.body).toBe(starter);
    const t = await box({ testing: true });
    await t.start();
    t.knobs.configFile = weight3;
    expect(await t.confirm.reload('/tmp/x.yaml', { seconds: 20 })).toMatchObject({
      message: expect.stringContaining('(in 20 s)'),
    });
    t.clock.advance(20_000);
    await until(() => t.state.running!.outcome.body === starter);
    expect(t.console()).toMatch(/not confirmed within 20 s: rolled back/);
    await Promise.all([b.stop(), t.stop()]);
  });

  it('a refused reload leaves the pending change and its deadline as they were', async () => {
    const b = await box();
    await b.start();
    b.knobs.configFile = weight3;
    await b.confirm.reload('/tmp/a.yaml', { minutes: 5 });
    const before = b.state.confirm;
    b.knobs.configFile = 'version: 1\nnodes: {}\n';
    await expect(b.confirm.reload('/tmp/bad.yaml', { minutes: 5 })).rejects.toThrow(
      /reload refused, the running config stays/,
    );
    expect(b.state.confirm).toEqual(before);
    b.clock.advance(5 * MIN);
    await until(() => b.state.running!.outcome.body === starter);
    await b.stop();
  });
});

describe('the stick keeps the confirmed generation', () => {
  it('reload --confirm from the stick marks it; a reboot before confirming boots the confirmed generation', async () => {
    const b = await box();
    await b.start();
    await saveConfig(b.fs, weight3); // generation 2, put on the stick without a mark
    const r = (await b.confirm.reload(undefined, { minutes: 10 })) as { message: string };
    expect(r.message).toMatch(/^generation 2 .* stick: marked: a reboot before confirmation boots generation 1$/);
    expect((await readMark(b.fs)).mark).toMatchObject({ pending: { generation: 2 }, confirmed: 1, tried: true });
    // A plain reload from a marked stick is refused after a rollback as well.
    await b.stop();

    // The box is powered off and on again: it boots generation 1 and says why.
    const c = await box({ fs: b.fs });
    const sc = await c.confirm.bootLoad(() => loadStickConfig(c.fs));
    expect(sc.current).toMatchObject({ gen: 1, body: starter });
    expect(c.console()).toMatch(
      /pillars: generation 2 on the stick was not confirmed \(on probation since 2026-01-02T03:00:00.000Z, pillarsctl reload --confirm\): booting the last confirmed generation 1/,
    );
    await c.start(sc.current!.body);
    c.confirm.discovered(c.state.running!.outcome);
    await c.confirm.afterBoot();
    expect(c.state.confirm).toMatchObject({ state: 'rolled-back', why: 'not confirmed before the reboot' });
    expect(statusText(applianceView(c.state, 5))).toMatch(
      /^confirm {3}generation 2 \(sha256 \w+\) not confirmed before the reboot: rolled back to generation 1 /m,
    );
    await expect(c.confirm.reload(undefined, undefined)).rejects.toThrow(
      /^reload refused: generation 2 on the stick awaits confirmation/,
    );
    await expect(c.confirm.confirm()).rejects.toThrow('nothing awaits confirmation');
    // Tried again on probation, and confirmed: the mark is gone.
    await c.confirm.reload(undefined, { minutes: 5 });
    expect(c.state.running!.outcome.body).toBe(weight3);
    expect(await c.confirm.confirm()).toEqual({ message: expect.stringMatching(/stays; the stick boots it$/) });
    expect((await readMark(c.fs)).mark).toBeUndefined();
    await c.stop();
  });

  it('pillarsctl save while on probation writes the change marked; confirm clears the mark', async () => {
    const b = await box();
    await b.start();
    // A file without a final line break: the stick ends it with one.
    const noBreak = weight3.trimEnd();
    b.knobs.configFile = noBreak;
    await b.confirm.reload('/tmp/new.yaml', { minutes: 5 });
    const gen = await b.confirm.stick(b.stick).save(noBreak, (l) => b.lines.push(l));
    expect(gen).toBe(2);
    expect((await readProbation(b.fs)).mark).toMatchObject({ pending: { generation: 2 }, confirmed: 1 });
    expect(b.state.confirm?.stick).toBe('marked: a reboot before confirmation boots generation 1');
    expect(b.state.confirm?.config).toMatch(/^\/tmp\/new\.yaml/);
    await b.confirm.confirm();
    expect((await readMark(b.fs)).mark).toBeUndefined();
    // A save with nothing pending removes a stale mark.
    await savePending(b.fs, weight5, { windowSeconds: 60, since: new Date().toISOString(), tried: false, by: 'x' });
    await saveConfig(b.fs, starter);
    expect((await readProbation(b.fs)).stale).toBe(true);
    await b.confirm.stick(b.stick).save(weight3, () => undefined);
    expect((await readMark(b.fs)).mark).toBeUndefined();
    await b.stop();
  });

  it('a stick written with --confirm on the laptop: the box boots it on probation and rolls back unconfirmed', async () => {
    const fs = new MemoryStickFs(true);
    await saveConfig(fs, starter);
    await savePending(fs, weight3, {
      windowSeconds: 300,
      since: '2026-01-01T00:00:00.000Z',
      tried: false,
      by: 'pillars stick import',
    });
    const b = await box({ fs });
    const sc = await b.confirm.bootLoad(() => loadStickConfig(fs));
    expect(sc.current).toMatchObject({ gen: 2, body: weight3 });
    // Recorded before it runs: a reboot from here on boots generation 1.
    expect((await readMark(fs)).mark?.tried).toBe(true);
    await b.start(weight3);
    b.confirm.discovered({
      ...b.state.running!.outcome,
      source: { ...b.state.running!.outcome.source, generation: 2 },
    });
    b.state.running!.outcome.source.generation = 2;
    await b.confirm.afterBoot();
    expect(b.console()).toMatch(
      /pillars: generation 2 \(sha256 \w+\) runs on probation \(pillars stick import --confirm\): rolled back to generation 1 \(sha256 \w+\) at 03:05:00 UTC \(in 5 min\)/,
    );
    expect(b.state.confirm).toMatchObject({ state: 'pending', windowSeconds: 300 });
    b.clock.advance(5 * MIN);
    await until(() => b.state.running!.outcome.body === starter);
    expect(b.console()).toMatch(/generation 2 .* not confirmed within 5 min: rolled back to generation 1/);
    expect(b.state.running!.outcome.source.generation).toBe(1);
    await b.stop();
  });

  it('a laptop generation that does not come up on probation is rolled back at once', async () => {
    const fs = new MemoryStickFs(true);
    await saveConfig(fs, starter);
    await savePending(fs, weight3, { windowSeconds: 300, since: '2026-01-01T00:00:00.000Z', tried: false, by: 'x' });
    const b = await box({ fs });
    await b.confirm.bootLoad(() => loadStickConfig(fs));
    b.knobs.failCheck = 'keepalived -t';
    const o = { ...outcome(weight3), source: { ...(outcome(weight3) as { source: object }).source, generation: 2 } };
    await configure(b.state, b.confirm.discovered(o as never), b.deps);
    expect(b.state.running).toBeUndefined();
    b.knobs.failCheck = undefined;
    await b.confirm.afterBoot();
    expect(b.state.running!.outcome.body).toBe(starter);
    expect(b.console()).toMatch(
      /generation 2 \(sha256 \w+\) did not come up on probation: rolled back to generation 1/,
    );
    await b.stop();
  });
});

describe('a supervisor restart during the window', () => {
  it('resumes the probation from the journal with the time left', async () => {
    const journal = memoryJournal();
    const b = await box({ journal });
    await b.start();
    b.knobs.configFile = weight3;
    await b.confirm.reload('/tmp/new.yaml', { minutes: 3 });
    expect(isProbation(journal.value)).toBe(true);
    b.clock.advance(MIN);
    await b.stop();

    // The respawned supervisor: same box, same /run; it finds the config on probation running.
    const c = await box({ fs: b.fs, journal });
    c.clock.t = b.clock.t;
    await c.start(weight3);
    await c.confirm.afterBoot();
    expect(c.console()).toMatch(
      /\/tmp\/new\.yaml .* is still on probation: rolled back to generation 1 .* at 03:03:00 UTC/,
    );
    c.clock.advance(2 * MIN);
    await until(() => c.state.running!.outcome.body === starter);
    expect(journal.value).toBeUndefined();
    await c.stop();
  });

  it('drops the journal when another config runs', async () => {
    const journal = memoryJournal();
    const b = await box({ journal });
    await b.start();
    b.knobs.configFile = weight3;
    await b.confirm.reload('/tmp/new.yaml', { minutes: 3 });
    await b.stop();
    const c = await box({ fs: b.fs, journal });
    await c.start(starter);
    await c.confirm.afterBoot();
    expect(c.console()).toMatch(/restarted with another config than \/tmp\/new\.yaml .* nothing awaits confirmation/);
    expect(journal.value).toBeUndefined();
    expect(c.state.confirm).toBeUndefined();
    await c.stop();
  });
});
