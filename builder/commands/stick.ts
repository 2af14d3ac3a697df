/** `pillars stick …`: create and edit config sticks (floppy/USB images and block devices). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command, CommandContext } from './command.js';
import { UserError, EXIT } from '../errors.js';
import { run as defaultRun, type Runner } from '../exec.js';
import { loadConfig, formatIssue, type ConfigIssue } from '../../overlay/config/load.js';
import { PROFILES, type ProfileName } from '../../overlay/config/model.js';
import {
  getValue,
  maskSecrets,
  parsePath,
  parseValueText,
  PathError,
  setValue,
  unsetValue,
} from '../../overlay/config/edit.js';
import {
  listHistory,
  readCurrent,
  saveConfig,
  readGeneration,
  HISTORY_KEEP,
  type StickFs,
} from '../../overlay/config/store.js';
import { stringify } from 'yaml';
import { CONFIRM_MINUTES, NoConfirmedGeneration, readProbation, savePending } from '../../overlay/config/confirm.js';
import { clearMark } from '../../overlay/config/mark.js';
import { initStick, openStick, readSource, FLOPPY_KIB, type StickDeps } from '../stick/stick.js';
import { unifiedDiff } from '../stick/diff.js';
import { parseCli, type OptionSpecs } from './args.js';

const HELP = `usage: pillars stick <subcommand> [options]

Create and edit the config stick: a FAT filesystem labelled PILLARS (a 1.44 MB floppy image, a
USB stick image, or a real removable block device) holding pillars.yaml and its history. Image
files need neither root nor mounting (mtools).

The stick is named by --stick TARGET (or -s TARGET, or the PILLARS_STICK environment variable).

subcommands:
  init TARGET [--profile P] [--floppy | --size MIB] [--force]
                       create the filesystem and a starter config for profile P
                       (${PROFILES.join(', ')}; default director). --floppy (the default for image
                       files) makes a 1.44 MB image; --size makes an image of MIB MiB. A block device
                       must be removable and empty or a pillars stick, unless --force.
  show [--show-secrets]
                       print pillars.yaml, secrets masked unless --show-secrets
  get PATH             print one value, e.g. vrrp.instances[0].priority.lb1
  set PATH VALUE       change one value (VALUE is YAML: 200, true, [a, b]); comments are kept;
                       the config is validated first and never saved when invalid
  unset PATH           remove a key
  edit                 open pillars.yaml in $VISUAL/$EDITOR; re-opens on errors, never saves an
                       invalid config
  validate [SOURCE]    check a config; SOURCE is a stick, a YAML file or TARGET@GEN
  diff A B             compare two configs (sticks, files, TARGET@GEN or @GEN on --stick)
  history              list the saved generations (the last ${HISTORY_KEEP} are kept)
  restore GEN          make generation GEN current again (saved as a new generation)
  export [FILE]        write pillars.yaml to FILE (or stdout)
  import FILE          validate FILE and save it as the next generation

options:
  --json               machine-readable output (show, get, validate, diff, history, set, …)
  --show-secrets       do not mask secrets (show, diff)
  --confirm MINUTES    (set, unset, edit, import, restore) save the new generation on probation
                       (${CONFIRM_MINUTES.min}-${CONFIRM_MINUTES.max}): the box boots it, and unless \`pillarsctl confirm\` runs on the
                       box within MINUTES it rolls back to the generation the stick held before;
                       a reboot before that boots that generation too. \`history\` shows the mark

exit codes: 0 ok, 1 invalid config, 2 usage, 3 I/O error (stick or file unreadable/unwritable)

examples:
  pillars stick init floppy.img --profile director
  pillars stick -s floppy.img set vrrp.instances[0].priority.lb1 200
  pillars stick -s /dev/sdb validate
  pillars stick -s floppy.img diff @3 @4`;

interface Args {
  positional: string[];
  flags: Set<string>;
  options: Map<string, string>;
}

const OPTIONS = {
  json: { type: 'boolean' },
  'show-secrets': { type: 'boolean' },
  floppy: { type: 'boolean' },
  force: { type: 'boolean' },
  stick: { type: 'string', short: 's' },
  confirm: { type: 'string' },
  profile: { type: 'string' },
  size: { type: 'string' },
} as const satisfies OptionSpecs;

/** argv → subcommand words, flags and options (names as written in --help, e.g. "--json"). */
export function parseArgs(argv: string[]): Args {
  const { values, positionals } = parseCli(argv, OPTIONS, 'run `pillars stick --help`');
  const out: Args = { positional: positionals, flags: new Set(), options: new Map() };
  for (const [name, v] of Object.entries(values)) {
    if (v === true) out.flags.add(`--${name}`);
    else if (typeof v === 'string') out.options.set(`--${name}`, v);
  }
  return out;
}

function usage(msg: string): UserError {
  return new UserError(msg, { exitCode: EXIT.usage, hint: 'run `pillars stick --help`' });
}

function want(args: Args, n: number, what: string): string[] {
  if (args.positional.length !== n)
    throw usage(
      `expected ${what}, got ${args.positional.length ? args.positional.map((p) => JSON.stringify(p)).join(' ') : 'nothing'}`,
    );
  return args.positional;
}

function printIssues(ctx: CommandContext, issues: readonly ConfigIssue[], json: boolean): void {
  if (json) ctx.stdout(JSON.stringify({ ok: false, issues }, null, 2));
  else process.stderr.write(issues.map(formatIssue).join('\n') + '\n');
}

/** The subcommands that save a generation, and so take --confirm. */
const SAVES = ['set', 'unset', 'edit', 'import', 'restore'];

/** `--confirm MINUTES`, checked: whole minutes in the box's bounds, only where a save happens. */
function confirmOption(args: Args, sub: string): number | undefined {
  const v = args.options.get('--confirm');
  if (v === undefined) return undefined;
  if (!SAVES.includes(sub)) throw usage(`--confirm applies to ${SAVES.join(', ')}`);
  const { min, max } = CONFIRM_MINUTES;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw usage(`--confirm MINUTES must be a whole number from ${min} to ${max}, got ${v}`);
  return Number(v);
}

function pathArg(text: string) {
  try {
    return parsePath(text);
  } catch (e) {
    throw usage((e as Error).message);
  }
}

export interface StickCommandDeps extends StickDeps {
  runner?: Runner;
  /** Ask the user a question (edit: re-open?). Returns undefined when there is no terminal. */
  ask?: (question: string) => Promise<string | undefined>;
  env?: NodeJS.ProcessEnv;
}

async function ttyAsk(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export function makeStickCommand(deps: StickCommandDeps = {}): Command {
  const env = () => deps.env ?? process.env;
  return {
    name: 'stick',
    summary: 'create and edit config sticks (floppy/USB images and devices): init, show, get, set, edit, history…',
    help: HELP,
    async run(argv, ctx) {
      const args = parseArgs(argv);
      const sub = args.positional.shift();
      if (!sub)
        throw usage(
          'which subcommand? (init, show, get, set, unset, edit, validate, diff, history, restore, export, import)',
        );
      const json = args.flags.has('--json');
      const stickName = args.options.get('--stick') ?? env().PILLARS_STICK;
      const stick = async () => {
        if (!stickName) throw usage('which stick? give --stick TARGET (or set PILLARS_STICK)');
        return openStick(stickName, deps);
      };
      const current = async () => {
        const s = await stick();
        const cur = await readCurrent(s.fs);
        if (!cur)
          throw new UserError(`${stickName} holds no pillars.yaml`, {
            exitCode: EXIT.io,
            hint: 'create one with `pillars stick init` or `pillars stick import`',
          });
        for (const n of cur.notes) ctx.log.warn(n);
        return { s, cur };
      };
      const confirmMinutes = confirmOption(args, sub);
      /** Save as the next generation: on probation with --confirm, else plain (a stale mark goes). */
      const store = async (fs: StickFs, body: string) => {
        if (confirmMinutes === undefined) {
          const gen = await saveConfig(fs, body, { now: deps.now });
          await clearMark(fs);
          return { gen, note: '', probation: undefined };
        }
        const at = (deps.now ?? (() => new Date()))().toISOString();
        const req = { windowSeconds: confirmMinutes * 60, since: at, tried: false, by: `pillars stick ${sub}` };
        try {
          const { gen, mark } = await savePending(fs, body, req, { now: deps.now });
          const note = `, on probation: the box boots it and rolls back to generation ${mark.confirmed} unless \`pillarsctl confirm\` runs within ${confirmMinutes} min`;
          return { gen, note, probation: { confirmed: mark.confirmed, windowSeconds: mark.windowSeconds } };
        } catch (e) {
          if (!(e instanceof NoConfirmedGeneration)) throw e;
          throw new UserError(`cannot save on probation: ${e.message}`, {
            exitCode: EXIT.failed,
            hint: 'save it without --confirm',
          });
        }
      };
      /** Validate and save; returns the exit code. */
      const saveChecked = async (fs: StickFs, body: string, what: string) => {
        const r = loadConfig(body, 'pillars.yaml');
        if (!r.ok) {
          printIssues(ctx, r.issues, json);
          process.stderr.write(`pillars stick ${sub}: not saved: the result would be invalid\n`);
          return EXIT.failed;
        }
        const { gen, note, probation } = await store(fs, body);
        if (json) ctx.stdout(JSON.stringify({ ok: true, generation: gen, ...(probation ? { probation } : {}) }));
        else ctx.stdout(`${what}: saved as generation ${gen}${note}`);
        return EXIT.ok;
      };

      switch (sub) {
        case 'init': {
          const [target] = want(args, 1, 'TARGET (an image file or a block device)');
          const profile = args.options.get('--profile') ?? 'director';
          if (!(PROFILES as readonly string[]).includes(profile))
            throw usage(`unknown profile "${profile}" (profiles: ${PROFILES.join(', ')})`);
          const size = args.options.get('--size');
          if (size !== undefined && args.flags.has('--floppy')) throw usage('--floppy and --size exclude each other');
          let kib = FLOPPY_KIB;
          if (size !== undefined) {
            if (!/^\d+$/.test(size) || Number(size) < 2 || Number(size) > 32768)
              throw usage(`--size must be 2-32768 (MiB), got ${size}`);
            kib = Number(size) * 1024;
          }
          const { gen, info } = await initStick(
            target!,
            { profile: profile as ProfileName, kib, force: args.flags.has('--force') },
            deps,
          );
          if (json) ctx.stdout(JSON.stringify({ ok: true, target, kind: info.kind, profile, generation: gen }));
          else
            ctx.stdout(
              `${target}: pillars stick created (profile ${profile}, generation ${gen}); edit it with \`pillars stick -s ${target} edit\``,
            );
          return EXIT.ok;
        }
        case 'show': {
          want(args, 0, 'no arguments');
          const { cur } = await current();
          const text = args.flags.has('--show-secrets') ? cur.body : maskSecrets(cur.body);
          if (json) {
            const r = loadConfig(cur.body, 'pillars.yaml', { typesOnly: true });
            const shown = r.ok
              ? (await import('yaml')).parse(args.flags.has('--show-secrets') ? cur.body : maskSecrets(cur.body))
              : undefined;
            ctx.stdout(
              JSON.stringify(
                {
                  stick: stickName,
                  generation: cur.handEdited ? null : cur.gen,
                  source: cur.source,
                  handEdited: cur.handEdited,
                  notes: cur.notes,
                  text,
                  config: shown,
                },
                null,
                2,
              ),
            );
          } else ctx.stdout(text);
          return EXIT.ok;
        }
        case 'get': {
          const [p] = want(args, 1, 'PATH');
          const { cur } = await current();
          let v: unknown;
          try {
            v = getValue(cur.body, pathArg(p!));
          } catch (e) {
            if (e instanceof PathError) throw new UserError(e.message, { exitCode: EXIT.failed });
            throw e;
          }
          if (json) ctx.stdout(JSON.stringify(v));
          else ctx.stdout(typeof v === 'object' && v !== null ? stringify(v).trimEnd() : String(v));
          return EXIT.ok;
        }
        case 'set':
        case 'unset': {
          const [p, value] = sub === 'set' ? want(args, 2, 'PATH VALUE') : [...want(args, 1, 'PATH'), undefined];
          const path = pathArg(p!);
          const { s, cur } = await current();
          let body: string;
          try {
            body = sub === 'set' ? setValue(cur.body, path, parseValueText(path, value!)) : unsetValue(cur.body, path);
          } catch (e) {
            if (e instanceof PathError) throw new UserError(e.message, { exitCode: EXIT.failed });
            throw e;
          }
          return saveChecked(s.fs, body, `${sub} ${p}`);
        }
        case 'edit': {
          want(args, 0, 'no arguments');
          const { s, cur } = await current();
          const editor = (env().VISUAL || env().EDITOR || 'vi').trim().split(/\s+/);
          const dir = await mkdtemp(join(tmpdir(), 'pillars-edit-'));
          const file = join(dir, 'pillars.yaml');
          const runner = deps.runner ?? defaultRun;
          const ask = deps.ask ?? ttyAsk;
          try {
            await writeFile(file, cur.body);
            for (let round = 1; round <= 100; round++) {
              await runner(editor[0]!, [...editor.slice(1), file], {
                interactive: true,
                hint: 'set $EDITOR to your editor',
              });
              const body = await readFile(file, 'utf8');
              if (body === cur.body) {
                ctx.stdout('no changes');
                return EXIT.ok;
              }
              const r = loadConfig(body, 'pillars.yaml');
              if (r.ok) {
                const { gen, note } = await store(s.fs, body);
                ctx.stdout(`saved as generation ${gen}${note}`);
                return EXIT.ok;
              }
              printIssues(ctx, r.issues, false);
              const answer = await ask('The config is invalid. Edit again? [Y/n] ');
              if (answer === undefined || /^n/i.test(answer.trim())) {
                process.stderr.write('pillars stick edit: not saved: the config is invalid\n');
                return EXIT.failed;
              }
            }
            return EXIT.failed;
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }
        case 'validate': {
          if (args.positional.length > 1) throw usage('expected at most one SOURCE');
          const src = await readSource(args.positional[0], stickName, deps);
          for (const n of src.notes) ctx.log.warn(n);
          const r = loadConfig(src.body, src.stick ? 'pillars.yaml' : src.label);
          if (!r.ok) {
            printIssues(ctx, r.issues, json);
            return EXIT.failed;
          }
          if (json)
            ctx.stdout(
              JSON.stringify({
                ok: true,
                issues: [],
                generation: src.gen ?? null,
                profile: r.config.profile,
                nodes: Object.keys(r.config.nodes),
              }),
            );
          else
            ctx.stdout(
              `${src.label}: valid (profile ${r.config.profile}, nodes ${Object.keys(r.config.nodes).join(', ')}${src.gen ? `, generation ${src.gen}` : ''})`,
            );
          return EXIT.ok;
        }
        case 'diff': {
          const [a, b] = want(args, 2, 'A B');
          const [sa, sb] = [await readSource(a, stickName, deps), await readSource(b, stickName, deps)];
          const mask = (t: string) => (args.flags.has('--show-secrets') ? t : maskSecrets(t));
          const d = unifiedDiff(mask(sa.body), mask(sb.body), sa.label, sb.label);
          if (json) ctx.stdout(JSON.stringify({ same: d === '', diff: d }));
          else ctx.stdout(d === '' ? 'no differences' : d.trimEnd());
          return EXIT.ok;
        }
        case 'history': {
          want(args, 0, 'no arguments');
          const s = await stick();
          const cur = await readCurrent(s.fs);
          const list = await listHistory(s.fs);
          // Commit-confirm: a generation awaiting confirmation and the one the box falls back to.
          const { mark, notes } = await readProbation(s.fs);
          for (const n of notes) ctx.log.warn(n);
          const rows = list.map((h) => ({
            generation: h.gen,
            savedAt: h.savedAt ?? null,
            valid: h.valid,
            current: !!cur && !cur.handEdited && cur.gen === h.gen,
            lines: h.body.split('\n').length - 1,
            ...(mark && cur?.gen === h.gen ? { awaitsConfirmation: true } : {}),
            ...(mark?.confirmed === h.gen ? { confirmedFallback: true } : {}),
          }));
          const pending =
            mark && cur
              ? {
                  generation: cur.gen,
                  confirmed: mark.confirmed,
                  windowSeconds: mark.windowSeconds,
                  since: mark.since,
                  tried: mark.tried,
                  by: mark.by,
                }
              : null;
          if (json)
            ctx.stdout(JSON.stringify({ handEdited: cur?.handEdited ?? false, generations: rows, pending }, null, 2));
          else {
            const state = (r: (typeof rows)[number]) =>
              !r.valid
                ? 'damaged'
                : [
                    r.current && 'current',
                    r.awaitsConfirmation && 'awaits confirmation',
                    r.confirmedFallback && 'confirmed',
                  ]
                    .filter(Boolean)
                    .join(', ');
            ctx.stdout(
              [
                'GEN     SAVED                     LINES  STATE',
                ...rows.map(
                  (r) =>
                    `${String(r.generation).padEnd(7)} ${(r.savedAt ?? '?').padEnd(25)} ${String(r.lines).padStart(5)}  ${state(r)}`,
                ),
              ].join('\n'),
            );
            if (cur?.handEdited) ctx.stdout('pillars.yaml was edited by hand since the last save');
            if (pending)
              ctx.stdout(
                pending.tried
                  ? `generation ${pending.generation} was not confirmed (${pending.by}, ${pending.since}): the box boots generation ${pending.confirmed}; \`pillars stick restore ${pending.generation}\` makes it current without the mark`
                  : `generation ${pending.generation} is on probation (${pending.by}): the box boots it and rolls back to generation ${pending.confirmed} unless \`pillarsctl confirm\` runs within ${Math.round(pending.windowSeconds / 60)} min`,
              );
          }
          return EXIT.ok;
        }
        case 'restore': {
          const [g] = want(args, 1, 'GEN');
          if (!/^\d+$/.test(g!)) throw usage(`GEN must be a generation number, got ${g}`);
          const s = await stick();
          const h = await readGeneration(s.fs, Number(g));
          if (!h)
            throw new UserError(`no valid generation ${g} on ${stickName}`, {
              exitCode: EXIT.io,
              hint: 'list them with `pillars stick history`',
            });
          const r = loadConfig(h.body, `${stickName}@${g}`);
          if (!r.ok) {
            printIssues(ctx, r.issues, json);
            process.stderr.write(`pillars stick restore: generation ${g} is not a valid config; not restored\n`);
            return EXIT.failed;
          }
          const { gen, note, probation } = await store(s.fs, h.body);
          if (json)
            ctx.stdout(
              JSON.stringify({ ok: true, restored: Number(g), generation: gen, ...(probation ? { probation } : {}) }),
            );
          else ctx.stdout(`generation ${g} restored as generation ${gen}${note}`);
          return EXIT.ok;
        }
        case 'export': {
          if (args.positional.length > 1) throw usage('expected at most one FILE');
          const { cur } = await current();
          const out = args.positional[0];
          if (out === undefined || out === '-') process.stdout.write(cur.body);
          else
            await writeFile(out, cur.body).catch((e: Error) => {
              throw new UserError(`cannot write ${out}: ${e.message}`, { exitCode: EXIT.io, cause: e });
            });
          return EXIT.ok;
        }
        case 'import': {
          const [file] = want(args, 1, 'FILE');
          const body = await readFile(file!, 'utf8').catch((e: Error) => {
            throw new UserError(`cannot read ${file}: ${e.message}`, { exitCode: EXIT.io, cause: e });
          });
          const r = loadConfig(body, file!);
          if (!r.ok) {
            printIssues(ctx, r.issues, json);
            process.stderr.write('pillars stick import: not saved: the file is invalid\n');
            return EXIT.failed;
          }
          const s = await stick();
          return saveChecked(s.fs, body, `import ${file}`);
        }
        default:
          throw usage(`unknown subcommand "${sub}"`);
      }
    },
  };
}

export const stickCommand: Command = makeStickCommand();
