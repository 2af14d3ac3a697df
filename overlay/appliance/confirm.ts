/**
 * Commit-confirm (VyOS `commit-confirm`, Junos `commit confirmed`): `pillarsctl reload --confirm
 * MINUTES` runs the new config on probation; unless `pillarsctl confirm` arrives in time, the last
 * confirmed config is applied again through the same hitless reload, and the console says so.
 *
 * The stick keeps the confirmed generation: when the config on probation came from the stick, or
 * is saved to it while on probation, the stick carries a pending mark (config/mark.ts), so a reboot
 * before confirmation boots the confirmed generation. A mark written by `pillars stick … --confirm`
 * (not yet tried) makes the next boot run the new generation on probation instead, after recording
 * on the stick that it is being tried.
 *
 * While a change awaits confirmation, another `reload --confirm` replaces it (the rollback target
 * stays the last confirmed config, the window starts again); a plain `reload` is refused. A
 * supervisor restart resumes the probation from its journal under /run; a reboot forgets it.
 */
import { sha256 } from '../config/hash.js';
import { loadConfig, type StickConfig } from '../config/index.js';
import { CONFIRM_MINUTES, type StickProbation } from '../config/confirm.js';
import type { PendingMark } from '../config/mark.js';
import type { Current, HistoryEntry } from '../config/store.js';
import { STATE_DIR } from '../supervisor/boot-plan.js';
import { formatWindow, type ConfirmView } from '../supervisor/confirm-view.js';
import { loadFromMedium, type ConfigOutcome, type ConfigSource } from '../supervisor/config-source.js';
import { ControlError } from '../supervisor/control-protocol.js';
import type { Clock, TimerHandle } from '../supervisor/supervisor.js';
import type { ConfirmJournal, Stick, StickMarks } from './ports.js';
import { reload, reloadConfig, type ReloadDeps } from './reload.js';
import type { ApplianceState } from './state.js';

/** The probation's journal: under /run, so it outlives a supervisor restart but not a reboot. */
export const CONFIRM_JOURNAL = `${STATE_DIR}/confirm.json`;

/** What `--confirm` asks for: whole minutes, or seconds (the test-only form). */
export type ConfirmWindow = { minutes: number } | { seconds: number };

/** A config and where it came from, enough to apply it again. */
interface Known {
  body: string;
  source: ConfigSource;
}

/** A config on probation: kept in the journal so a supervisor restart resumes it. */
export interface Probation {
  pending: Known;
  /** The last confirmed config: what a rollback applies again. */
  target: Known;
  windowSeconds: number;
  since: number;
  deadline: number;
  by: string;
  /** What the stick holds about it (`marked: a reboot … boots generation 6`). */
  stick: string;
  /** The confirmed generation the stick's mark names, when the stick carries one for it. */
  marked?: number;
}

export interface ConfirmDeps {
  reload: ReloadDeps;
  marks: StickMarks;
  journal: ConfirmJournal<Probation>;
  clock: Clock;
  /** Booted for tests (pillars.test=ctlserial): the seconds form and windows under a minute. */
  testing: boolean;
}

export interface Confirm {
  /** `pillarsctl reload [FILE] [--confirm …]`. */
  reload(file: string | undefined, window: ConfirmWindow | undefined): Promise<unknown>;
  /** `pillarsctl confirm`. */
  confirm(): Promise<unknown>;
  /** The stick with its save wrapped: a save of the config on probation carries the mark. */
  stick<S extends Pick<Stick, 'save'>>(stick: S): S;
  /** Discovery's read of the stick at boot: the confirmed generation instead of an unconfirmed one. */
  bootLoad(load: () => Promise<StickConfig>): Promise<StickConfig>;
  /** What discovery found (passed through): where the stick is, for a rollback at boot. */
  discovered(o: ConfigOutcome): ConfigOutcome;
  /** After the boot's configure: start the probation the boot decided on, or resume one. */
  afterBoot(): Promise<void>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const clockText = (at: number) => `${new Date(at).toISOString().slice(11, 19)} UTC`;

/** `generation 7 (sha256 0123456789ab)`, or the file a reload read. */
export function describeConfig(k: Known): string {
  const s = k.source;
  const what = !s.device.startsWith('/dev/')
    ? s.device
    : s.handEdited
      ? `pillars.yaml edited by hand`
      : `generation ${s.generation}`;
  return `${what} (sha256 ${s.checksum.slice(0, 12)})`;
}

/** The window `--confirm` asked for, in seconds, or a clear error. */
export function confirmSeconds(w: unknown, testing: boolean): number {
  const { min, max } = CONFIRM_MINUTES;
  const bad = (why: string) =>
    new ControlError(`--confirm: ${why}`, `give the minutes to wait for \`pillarsctl confirm\`, ${min}-${max}`);
  if (typeof w !== 'object' || w === null) throw bad('expected MINUTES');
  const v = w as Record<string, unknown>;
  if (typeof v.minutes === 'number') {
    if (!Number.isInteger(v.minutes) || v.minutes < min || v.minutes > max)
      throw bad(`MINUTES must be a whole number from ${min} to ${max}, got ${v.minutes}`);
    return v.minutes * 60;
  }
  if (typeof v.seconds === 'number') {
    if (!testing) throw bad('the seconds form is for tests only (a box booted with pillars.test=ctlserial)');
    if (!Number.isInteger(v.seconds) || v.seconds < 1 || v.seconds > max * 60)
      throw bad(`SECONDS must be a whole number from 1 to ${max * 60}, got ${v.seconds}`);
    return v.seconds;
  }
  throw bad('expected MINUTES');
}

/** A journal read back under /run: a probation as hold() wrote it (anything else is dropped). */
export function isProbation(v: unknown): v is Probation {
  const o = v as Probation | null;
  const known = (k: Known | undefined) =>
    typeof k?.body === 'string' &&
    typeof k.source?.checksum === 'string' &&
    typeof k.source.device === 'string' &&
    typeof k.source.generation === 'number';
  return (
    typeof o === 'object' &&
    o !== null &&
    known(o.pending) &&
    known(o.target) &&
    [o.windowSeconds, o.since, o.deadline].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    typeof o.by === 'string' &&
    typeof o.stick === 'string'
  );
}

/** The sha256 a config has on the stick, which ends every body with a line break. */
const stickSha = (body: string) => sha256(body.endsWith('\n') ? body : body + '\n');

/** Runs one job at a time: reload, confirm and the rollback never interleave. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const next = tail.then(job, job);
    tail = next.catch(() => undefined);
    return next;
  };
}

type BootDecision =
  | { kind: 'probation'; mark: PendingMark; confirmed: HistoryEntry }
  | { kind: 'rolled-back'; mark: PendingMark; pending: Current; confirmed: HistoryEntry };

export function createConfirm(state: ApplianceState, deps: ConfirmDeps): Confirm {
  const say = state.say;
  const now = () => deps.clock.now();
  const queue = serial();
  let probation: Probation | undefined;
  let timer: TimerHandle | undefined;
  let boot: BootDecision | undefined;
  let where: Pick<ConfigSource, 'provider' | 'device'> | undefined;

  const view = (p: Probation): ConfirmView => ({
    state: 'pending',
    config: describeConfig(p.pending),
    sha256: p.pending.source.checksum,
    rollbackTo: describeConfig(p.target),
    rollbackSha256: p.target.source.checksum,
    windowSeconds: p.windowSeconds,
    since: p.since,
    deadline: p.deadline,
    stick: p.stick,
  });

  const stopTimer = () => {
    if (timer !== undefined) deps.clock.clearTimer(timer);
    timer = undefined;
  };

  /** Hold `p` as the probation: its timer, its journal, its view. */
  const hold = async (p: Probation) => {
    stopTimer();
    probation = p;
    state.confirm = view(p);
    timer = deps.clock.setTimer(Math.max(0, p.deadline - now()), () => void queue(() => expire(p)).catch(() => {}));
    await deps.journal.write(p).catch((err) => say(`pillars: WARNING: confirm journal: ${message(err)}`));
  };

  const release = async () => {
    stopTimer();
    probation = undefined;
    await deps.journal.remove().catch(() => undefined);
  };

  /** A known config as a loaded one (validated and its node chosen again). */
  const outcomeOf = (k: Known) =>
    loadFromMedium(
      {
        macs: () => deps.reload.sys.host.macs(),
        load: async () => ({
          current: { body: k.body, gen: k.source.generation, source: k.source.device, handEdited: false, notes: [] },
          result: loadConfig(k.body, k.source.device.startsWith('/dev/') ? 'pillars.yaml' : k.source.device),
        }),
      },
      { provider: k.source.provider, device: k.source.device },
      deps.reload.node,
    ).then((o) => (o.ok ? { ...o, source: { ...k.source } } : o));

  /** Apply the confirmed config again; `why` goes on the console and in status. */
  const rollBack = async (p: Probation, why: string) => {
    const from = describeConfig(p.pending);
    const to = describeConfig(p.target);
    say(`pillars: ${from} ${why}: rolling back to ${to}`);
    try {
      await reloadConfig(state, await outcomeOf(p.target), {
        ...deps.reload,
        markManual: () => deps.reload.markManual(`rollback (${why})`),
      });
      say(`pillars: ${from} ${why}: rolled back to ${to}`);
      state.confirm = { ...view(p), state: 'rolled-back', at: now(), why };
      delete state.confirm.deadline;
      if (p.marked !== undefined)
        state.confirm.stick = `still marks it as awaiting confirmation; a reboot boots generation ${p.marked}`;
      else delete state.confirm.stick;
    } catch (err) {
      const details = err instanceof ControlError ? (err.details ?? []) : [];
      say(`pillars: ROLLBACK FAILED: ${from} ${why}, and ${to} could not be applied again: ${message(err)}`);
      for (const d of details) say(`pillars:   ${d}`);
      say(`pillars: ${from} keeps running`);
      state.confirm = { ...view(p), state: 'rollback-failed', at: now(), why };
      delete state.confirm.deadline;
    }
  };

  const expire = async (p: Probation) => {
    if (probation !== p) return;
    await release();
    await rollBack(p, `not confirmed within ${formatWindow(p.windowSeconds)}`);
  };

  /** What the stick says for a config on probation that did not come from it. */
  const stickNote = async (): Promise<string> => {
    try {
      const s = await deps.marks.inspect();
      if (s.mark)
        return `marks generation ${s.current?.gen}: a reboot before confirmation boots generation ${s.mark.confirmed}`;
      if (s.current)
        return `unchanged: a reboot boots its generation ${s.current.gen} (\`pillarsctl save\` now writes this config marked as on probation)`;
    } catch (err) {
      return `unreadable (${message(err)})`;
    }
    return 'no config on it';
  };

  const request = (p: Pick<Probation, 'target' | 'windowSeconds' | 'since'>, tried: boolean, by: string) => ({
    confirmedSha: p.target.source.checksum,
    windowSeconds: p.windowSeconds,
    since: new Date(p.since).toISOString(),
    tried,
    by,
  });

  const reloadConfirmed = async (file: string | undefined, w: ConfirmWindow) => {
    const seconds = confirmSeconds(w, deps.testing);
    const running = state.running;
    if (!running)
      throw new ControlError(
        'reload --confirm refused: the appliance is unconfigured, there is no config to roll back to',
        'run `pillarsctl reload` without --confirm',
      );
    const target: Known = probation?.target ?? { body: running.outcome.body, source: { ...running.outcome.source } };
    const r = (await reload(state, file, deps.reload)) as { message?: string };
    const o = state.running!.outcome;
    if (o.source.checksum === target.source.checksum) {
      await release();
      state.confirm = undefined;
      return { message: `${describeConfig(target)} is the last confirmed config: nothing to confirm` };
    }
    const since = now();
    const p: Probation = {
      pending: { body: o.body, source: { ...o.source } },
      target,
      windowSeconds: seconds,
      since,
      deadline: since + seconds * 1000,
      by: 'pillarsctl reload --confirm',
      stick: '',
    };
    if (file === undefined) {
      try {
        const m = await deps.marks.markCurrent(o.source.checksum, request(p, true, p.by), say);
        if ('mark' in m) p.marked = m.mark.confirmed;
        p.stick =
          'mark' in m
            ? `marked: a reboot before confirmation boots generation ${m.mark.confirmed}`
            : `not marked (${m.why}): a reboot boots generation ${o.source.generation}, this config`;
      } catch (err) {
        p.stick = `not marked (${message(err)}): a reboot boots generation ${o.source.generation}, this config`;
      }
    } else p.stick = await stickNote();
    await hold(p);
    const changed = r.message === 'config unchanged' ? 'still runs' : 'runs';
    const line = `${describeConfig(p.pending)} ${changed} on probation: rolled back to ${describeConfig(target)} at ${clockText(p.deadline)} (in ${formatWindow(seconds)}) unless \`pillarsctl confirm\``;
    say(`pillars: ${line}`);
    if (p.stick.startsWith('not marked')) say(`pillars: WARNING: stick ${p.stick}`);
    return { message: `${line}; stick: ${p.stick}`, deadline: new Date(p.deadline).toISOString() };
  };

  const confirm = async () => {
    const running = state.running;
    const p = probation;
    if (!p) {
      // The stick may still mark the running config (a confirmation whose stick write failed).
      const s = running ? await deps.marks.inspect().catch(() => undefined) : undefined;
      if (running && s?.mark && s.mark.pending.sha256 === stickSha(running.outcome.body)) {
        await deps.marks.clear(say);
        say(`pillars: cleared the pending mark of the running config on the stick`);
        return { message: 'confirmed: the stick no longer marks the running config as on probation' };
      }
      const last = state.confirm;
      throw new ControlError(
        'nothing awaits confirmation',
        last && last.state !== 'pending'
          ? `${last.config}: ${last.why ?? 'not confirmed'}, rolled back; \`pillarsctl reload --confirm MINUTES\` tries it again`
          : undefined,
      );
    }
    await release();
    state.confirm = undefined;
    const label = describeConfig(p.pending);
    let stick = '';
    try {
      const s = await deps.marks.inspect();
      if (s.mark && s.mark.pending.sha256 === stickSha(p.pending.body) && (await deps.marks.clear(say)))
        stick = '; the stick boots it';
    } catch (err) {
      stick = `; WARNING: the stick still marks it as on probation (${message(err)}): a reboot boots the last confirmed generation; run \`pillarsctl confirm\` again`;
      say(`pillars: WARNING: could not clear the pending mark on the stick: ${message(err)}`);
    }
    const left = Math.max(0, Math.round((p.deadline - now()) / 1000));
    say(`pillars: ${label} confirmed (${left}s before the rollback)`);
    return { message: `confirmed: ${label} stays${stick}` };
  };

  const plainReload = async (file: string | undefined) => {
    const p = probation;
    if (p)
      throw new ControlError(
        `reload refused: ${describeConfig(p.pending)} awaits confirmation (rollback to ${describeConfig(p.target)} at ${clockText(p.deadline)})`,
        '`pillarsctl confirm` it first, or `pillarsctl reload --confirm MINUTES` to try another config on probation',
      );
    if (file === undefined) {
      const s = await deps.marks.inspect().catch(() => undefined);
      if (s?.mark && s.current && s.current.body !== state.running?.outcome.body)
        throw new ControlError(
          `reload refused: generation ${s.current.gen} on the stick awaits confirmation (${s.mark.by}, since ${s.mark.since}); it was not confirmed`,
          '`pillarsctl reload --confirm MINUTES` runs it on probation again',
        );
    }
    const r = (await reload(state, file, deps.reload)) as { message?: string };
    if (r.message !== 'config unchanged') state.confirm = undefined;
    return r;
  };

  return {
    reload: (file, w) => queue(() => (w === undefined ? plainReload(file) : reloadConfirmed(file, w))),
    confirm: () => queue(confirm),

    stick<S extends Pick<Stick, 'save'>>(stick: S): S {
      const save: Stick['save'] = async (body, sayLine, ...rest) => {
        const p = probation;
        if (p && body === p.pending.body) {
          const { gen, mark } = await deps.marks.savePending(body, request(p, true, 'pillarsctl save'), sayLine);
          p.pending.source.generation = gen;
          p.marked = mark.confirmed;
          p.stick = `marked: a reboot before confirmation boots generation ${mark.confirmed}`;
          await hold(p);
          sayLine(`pillars: generation ${gen} is marked on the stick as awaiting confirmation`);
          return gen;
        }
        const gen = await stick.save(body, sayLine, ...rest);
        // The save made any mark stale; remove it so the stick reads as it is.
        if (!(await deps.marks.clear(sayLine).catch(() => false))) return gen;
        if (p) {
          p.marked = undefined;
          p.stick = `replaced by a later save: a reboot boots generation ${gen}`;
          await hold(p);
        } else state.confirm = undefined;
        return gen;
      };
      return { ...stick, save };
    },

    discovered(o) {
      if (o.ok) where = { provider: o.source.provider, device: o.source.device };
      return o;
    },

    async bootLoad(load) {
      const sc = await load();
      let s: StickProbation;
      try {
        s = await deps.marks.inspect(sc.current);
      } catch (err) {
        say(`pillars: WARNING: cannot read the stick's pending mark: ${message(err)}`);
        return sc;
      }
      for (const n of s.notes) say(`pillars: stick: ${n}`);
      const m = s.mark;
      const cur = s.current;
      if (!m || !cur) return sc;
      const journal = await deps.journal.read().catch(() => undefined);
      // A supervisor restart during a probation of this very config: run it on.
      if (journal && stickSha(journal.pending.body) === sha256(cur.body)) return sc;
      if (!s.confirmed) {
        say(
          `pillars: WARNING: generation ${cur.gen} awaits confirmation, but the confirmed generation ${m.confirmed} is not intact on the stick: booting generation ${cur.gen}`,
        );
        return sc;
      }
      if (!m.tried) {
        try {
          boot = { kind: 'probation', mark: await deps.marks.markTried(m, say), confirmed: s.confirmed };
          return sc;
        } catch (err) {
          say(`pillars: cannot record on the stick that generation ${cur.gen} is being tried: ${message(err)}`);
        }
      }
      boot = { kind: 'rolled-back', mark: m, pending: cur, confirmed: s.confirmed };
      say(
        `pillars: generation ${cur.gen} on the stick was not confirmed (on probation since ${m.since}, ${m.by}): booting the last confirmed generation ${m.confirmed}`,
      );
      return {
        current: {
          body: s.confirmed.body,
          gen: s.confirmed.gen,
          source: s.confirmed.path,
          handEdited: false,
          notes: cur.notes,
        },
        result: loadConfig(s.confirmed.body, s.confirmed.path),
      };
    },

    afterBoot: () =>
      queue(async () => {
        const running = state.running?.outcome;
        const journal = await deps.journal.read().catch(() => undefined);
        if (journal) {
          if (running && stickSha(running.body) === stickSha(journal.pending.body)) {
            await hold(journal);
            say(
              `pillars: ${describeConfig(journal.pending)} is still on probation: rolled back to ${describeConfig(journal.target)} at ${clockText(journal.deadline)} unless \`pillarsctl confirm\``,
            );
          } else {
            await release();
            say(
              `pillars: the supervisor restarted with another config than ${describeConfig(journal.pending)}, which was on probation: nothing awaits confirmation`,
            );
          }
          return;
        }
        const b = boot;
        boot = undefined;
        if (!b) return;
        const confirmed = b.confirmed.body;
        const stickSource = (gen: number, body: string): ConfigSource => ({
          provider: where?.provider ?? 'usb-sata',
          device: where?.device ?? '/dev/',
          generation: gen,
          checksum: sha256(body),
          handEdited: false,
        });
        const target: Known = { body: confirmed, source: stickSource(b.confirmed.gen, confirmed) };
        const stick = `marked by ${b.mark.by}: a reboot before confirmation boots generation ${b.mark.confirmed}`;
        if (b.kind === 'rolled-back') {
          const pending: Known = { body: b.pending.body, source: stickSource(b.pending.gen, b.pending.body) };
          state.confirm = {
            state: 'rolled-back',
            config: describeConfig(pending),
            sha256: pending.source.checksum,
            rollbackTo: describeConfig(target),
            rollbackSha256: target.source.checksum,
            windowSeconds: b.mark.windowSeconds,
            since: Date.parse(b.mark.since),
            at: now(),
            why: 'not confirmed before the reboot',
            stick: `still marks generation ${b.pending.gen} as awaiting confirmation (\`pillarsctl reload --confirm MINUTES\` tries it again, \`pillarsctl save\` keeps the running config)`,
          };
          return;
        }
        const { min, max } = CONFIRM_MINUTES;
        const lo = deps.testing ? 1 : min * 60;
        const seconds = Math.min(max * 60, Math.max(lo, b.mark.windowSeconds));
        if (seconds !== b.mark.windowSeconds)
          say(
            `pillars: the stick's window of ${b.mark.windowSeconds} s is out of bounds; using ${formatWindow(seconds)}`,
          );
        const since = now();
        const p: Probation = {
          pending: {
            body: running?.body ?? '',
            source: running ? { ...running.source } : stickSource(b.mark.pending.generation, ''),
          },
          target,
          windowSeconds: seconds,
          since,
          deadline: since + seconds * 1000,
          by: b.mark.by,
          stick,
          marked: b.mark.confirmed,
        };
        if (!running || running.source.checksum !== b.mark.pending.sha256) {
          p.pending.source.checksum = b.mark.pending.sha256;
          await rollBack(p, 'did not come up on probation');
          return;
        }
        await hold(p);
        say(
          `pillars: ${describeConfig(p.pending)} runs on probation (${b.mark.by} --confirm): rolled back to ${describeConfig(target)} at ${clockText(p.deadline)} (in ${formatWindow(seconds)}) unless \`pillarsctl confirm\``,
        );
      }),
  };
}
