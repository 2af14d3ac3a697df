/**
 * The box's ResourceManager (overlay/rootfs/usr/share/heartbeat) against heartbeat 3.0.6's own,
 * both run with chroot in the heartbeat image on the same haresources and the same fake resource
 * scripts: the keys heartbeat asks for, the status it reads, and every script call of a takeover,
 * a release, a failed start (the group is given up right to left) and a stop that fails once (one
 * retry a second later), in the same order with the same exit codes; and the one difference, no
 * status call before the start of a script that says its start leaves a running resource alone.
 * The same for harc, rc.d/status and mach_down, the scripts heartbeat runs for a dead node, and for
 * req_resource and rc.d/ip-request-resp, which take this node's own group (with nobody to ask, the
 * box's req_resource takes it itself: the calls heartbeat's script and its answer make, in one
 * step). Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { imageRootfs } from '../helpers/image-tools.js';

const asRoot = process.getuid?.() === 0;
const BOX_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'overlay',
  'rootfs',
  'usr',
  'share',
  'heartbeat',
);
const BOX_RM = join(BOX_DIR, 'ResourceManager');
/** A scratch directory inside the image's root: `host` on this machine, `dir` in the chroot. */
async function scratch(prefix: string): Promise<{ rootfs: string; host: string; dir: string }> {
  const rootfs = await imageRootfs('heartbeat', 'heartbeat');
  const rel = `tmp/pillars-${prefix}-${randomBytes(4).toString('hex')}`;
  return { rootfs, host: join(rootfs, rel), dir: `/${rel}` };
}

/**
 * Runs a script with chroot in the image, in the environment heartbeat gives its scripts (a
 * ResourceManager in <dir>/bin, heartbeat's FIFO at <dir>/fifo): its exit code, the calls the
 * fake ResourceManager logged and what it told heartbeat.
 */
function runInImage(
  s: { rootfs: string; host: string; dir: string },
  script: string,
  args: string[],
  env: Record<string, string>,
): { code: number | null; calls: string; fifo: string } {
  for (const f of ['calls', 'fifo']) rmSync(join(s.host, f), { force: true });
  const r = spawnSync('chroot', [s.rootfs, '/bin/sh', script, ...args], {
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HA_FUNCS: '/etc/ha.d/shellfuncs',
      HA_NOARCHBIN: `${s.dir}/bin`,
      HA_FIFO: `${s.dir}/fifo`,
      HA_CURHOST: 'node2',
      ...env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const read = (f: string) => (existsSync(join(s.host, f)) ? readFileSync(join(s.host, f), 'utf8') : '');
  return { code: r.status, calls: read('calls'), fifo: read('fifo') };
}

const SCRIPTS = ['IPaddr', 'IPaddr2', 'drbddisk', 'Filesystem', 'svc', 'other'];

/** The calls of a takeover of node1's group below (scripts without the start-alone line). */
const TAKE_CALLS = [
  'IPaddr2 192.0.2.10/24/lan status',
  'IPaddr2 192.0.2.10/24/lan start',
  'drbddisk r0 status',
  'drbddisk r0 start',
  'Filesystem /dev/drbd0 /srv/data ext4 status',
  'Filesystem /dev/drbd0 /srv/data ext4 start',
  'svc status',
  'svc start',
];

const HARESOURCES = `# preferred node, then the group left to right
Node1 IPaddr2::192.0.2.10/24/lan drbddisk::r0 \\
   Filesystem::/dev/drbd0::/srv/data::ext4 svc
node2 192.0.2.20 other   # the peer's group
`;

/** A resource script that logs its call and keeps its state in a file; fail-start-/fail-stop- files make it fail. */
function fakeScript(dir: string, name: string, startsAlone = false): string {
  return `#!/bin/sh${startsAlone ? '\n# pillars: start leaves a running resource alone' : ''}
d=${dir}
eval "a=\\\${$#}"
echo "${name} $*" >> $d/calls
case $a in
  status) if [ -e $d/state/${name} ]; then echo running; else echo stopped; fi ;;
  start) [ -e $d/fail-start-${name} ] && exit 1; : > $d/state/${name} ;;
  stop) if [ -e $d/fail-stop-${name} ]; then rm $d/fail-stop-${name}; exit 1; fi; rm -f $d/state/${name} ;;
esac
exit 0
`;
}

interface Result {
  code: number;
  out: string;
  calls: string[];
  state: string[];
}

describe.skipIf(!asRoot)("the box's ResourceManager does what heartbeat's own does", () => {
  it(
    'keys, status, takeover, release, a failed start and a retried stop: same calls, same order, same codes',
    { timeout: 1_200_000 },
    async () => {
      const { rootfs, host, dir } = await scratch('rm');
      mkdirSync(join(host, 'resource.d'), { recursive: true });
      try {
        writeFileSync(join(host, 'haresources'), HARESOURCES);
        for (const s of SCRIPTS) writeFileSync(join(host, 'resource.d', s), fakeScript(dir, s), { mode: 0o755 });
        // heartbeat's own, reading this directory's haresources (it fixes HA_DIR to /etc/ha.d).
        copyFileSync(join(rootfs, 'etc/ha.d/shellfuncs'), join(host, 'shellfuncs'));
        const stock = readFileSync(join(rootfs, 'usr/share/heartbeat/ResourceManager'), 'utf8');
        expect(stock).toMatch(/^HA_DIR=\/etc\/ha\.d$/m);
        writeFileSync(join(host, 'stock-rm'), stock.replace(/^HA_DIR=\/etc\/ha\.d$/m, `HA_DIR=${dir}`), {
          mode: 0o755,
        });
        copyFileSync(BOX_RM, join(host, 'box-rm'));

        const reset = (running: string[], failStart: string[] = [], failStop: string[] = []) => {
          rmSync(join(host, 'state'), { recursive: true, force: true });
          mkdirSync(join(host, 'state'));
          for (const f of ['calls', 'debug']) rmSync(join(host, f), { force: true });
          for (const s of SCRIPTS)
            for (const k of ['start', 'stop']) rmSync(join(host, `fail-${k}-${s}`), { force: true });
          for (const s of running) writeFileSync(join(host, 'state', s), '');
          for (const s of failStart) writeFileSync(join(host, `fail-start-${s}`), '');
          for (const s of failStop) writeFileSync(join(host, `fail-stop-${s}`), '');
        };
        const rm = (which: 'stock' | 'box', args: string[]) =>
          new Promise<Result>((resolve, reject) => {
            // Its own process group: a failed start leaves "sleep 30; hb_standby" behind, killed below.
            const p = spawn('chroot', [rootfs, '/bin/sh', `${dir}/${which}-rm`, ...args], {
              detached: true,
              env: {
                PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
                HA_DIR: dir,
                HA_RESOURCEDIR: `${dir}/resource.d`,
                HA_CURHOST: 'node2',
                HA_DEBUGLOG: `${dir}/debug`,
              },
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let out = '';
            p.stdout.on('data', (b: Buffer) => (out += b.toString()));
            p.stderr.resume();
            const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
            p.on('error', reject);
            let code: number | null = null;
            p.on('exit', (c) => {
              code = c;
              try {
                process.kill(-p.pid!, 'SIGKILL');
              } catch {
                // the group has ended
              }
            });
            p.on('close', () => {
              clearTimeout(timer);
              const calls = existsSync(join(host, 'calls'))
                ? readFileSync(join(host, 'calls'), 'utf8').trimEnd().split('\n')
                : [];
              const state = SCRIPTS.filter((s) => existsSync(join(host, 'state', s)));
              resolve({ code: code ?? -1, out: out.replace(/ +$/gm, ''), calls, state });
            });
          });
        const same = async (what: string, args: string[], prepare: () => void) => {
          prepare();
          const a = await rm('stock', args);
          prepare();
          const b = await rm('box', args);
          expect(b, what).toEqual(a);
          return b;
        };

        // The keys heartbeat asks for (listkeys is case-blind on the node name).
        const k1 = await same('listkeys node1', ['listkeys', 'node1'], () => reset([]));
        expect(k1.out.trim()).toBe('IPaddr2::192.0.2.10/24/lan');
        expect((await same('listkeys NODE2', ['listkeys', 'NODE2'], () => reset([]))).out.trim()).toBe('192.0.2.20');
        await same('allkeys', ['allkeys'], () => reset([]));
        await same('ourkeys', ['ourkeys'], () => reset([]));
        await same('otherkeys', ['otherkeys'], () => reset([]));
        // status: the words, not the script's exit code.
        expect((await same('status running', ['status', 'svc'], () => reset(['svc']))).code).toBe(0);
        expect((await same('status stopped', ['status', 'svc'], () => reset([]))).code).toBe(3);
        // A bare address is IPaddr::address.
        expect((await same('status bare address', ['status', '192.0.2.20'], () => reset(['IPaddr']))).code).toBe(0);

        const take = await same('takegroup', ['takegroup', 'IPaddr2::192.0.2.10/24/lan'], () => reset([]));
        expect(take.calls).toEqual(TAKE_CALLS);
        expect(take.state).toEqual(['IPaddr2', 'drbddisk', 'Filesystem', 'svc']);
        // Any key of the group names it; a resource that runs is not started again.
        await same('takegroup by a later resource, one running', ['takegroup', 'drbddisk::r0'], () =>
          reset(['IPaddr2']),
        );
        const failed = await same('takegroup, the service fails', ['takegroup', 'IPaddr2::192.0.2.10/24/lan'], () =>
          reset([], ['svc']),
        );
        // heartbeat's own exits 0 once the group is released again; the log says what failed.
        expect(failed.code).toBe(0);
        expect(failed.calls.slice(-4)).toEqual([
          'svc stop',
          'Filesystem /dev/drbd0 /srv/data ext4 stop',
          'drbddisk r0 stop',
          'IPaddr2 192.0.2.10/24/lan stop',
        ]);
        expect(failed.state).toEqual([]);
        const give = await same('givegroup, a stop fails once', ['givegroup', 'IPaddr2::192.0.2.10/24/lan'], () =>
          reset(['IPaddr2', 'drbddisk', 'Filesystem', 'svc'], [], ['drbddisk']),
        );
        expect(give.calls.filter((c) => c === 'drbddisk r0 stop')).toHaveLength(2);
        expect(give.state).toEqual([]);
        expect((await same('verifyallidle, a key runs', ['verifyallidle'], () => reset(['IPaddr']))).code).toBe(1);
        expect((await same('verifyallidle, idle', ['verifyallidle'], () => reset([]))).code).toBe(0);
        await same('unknown group', ['takegroup', 'nosuch'], () => reset([]));

        // Scripts that say their start leaves a running resource alone (as the box's IPaddr2,
        // Filesystem, drbddisk and pillars-records do) are started without a status call first;
        // the rest of the group, the order and a failure's release stay the same.
        for (const s of ['IPaddr2', 'drbddisk', 'Filesystem'])
          writeFileSync(join(host, 'resource.d', s), fakeScript(dir, s, true), { mode: 0o755 });
        reset(['drbddisk']);
        const alone = await rm('box', ['takegroup', 'IPaddr2::192.0.2.10/24/lan']);
        expect(alone.code).toBe(0);
        expect(alone.calls).toEqual([
          'IPaddr2 192.0.2.10/24/lan start',
          'drbddisk r0 start',
          'Filesystem /dev/drbd0 /srv/data ext4 start',
          'svc status',
          'svc start',
        ]);
        expect(alone.state).toEqual(['IPaddr2', 'drbddisk', 'Filesystem', 'svc']);
        reset([], ['Filesystem']);
        const aloneFailed = await rm('box', ['takegroup', 'IPaddr2::192.0.2.10/24/lan']);
        expect(aloneFailed.calls).toEqual([
          'IPaddr2 192.0.2.10/24/lan start',
          'drbddisk r0 start',
          'Filesystem /dev/drbd0 /srv/data ext4 start',
          'svc stop',
          'Filesystem /dev/drbd0 /srv/data ext4 stop',
          'drbddisk r0 stop',
          'IPaddr2 192.0.2.10/24/lan stop',
        ]);
        expect(aloneFailed.state).toEqual([]);
      } finally {
        rmSync(host, { recursive: true, force: true });
      }
    },
  );

  it("mach_down: the dead node's groups taken over, the same message to heartbeat", { timeout: 600_000 }, async () => {
    const sc = await scratch('md');
    const { host, dir } = sc;
    mkdirSync(join(host, 'bin'), { recursive: true });
    try {
      // A ResourceManager that logs its calls; node1 holds two groups.
      writeFileSync(
        join(host, 'bin', 'ResourceManager'),
        `#!/bin/sh\necho "$*" >> ${dir}/calls\n[ "$1 $2" = "listkeys node1" ] && printf 'k1\\nk2\\n'\nexit 0\n`,
        { mode: 0o755 },
      );
      copyFileSync(join(BOX_DIR, 'mach_down'), join(host, 'box-md'));
      const run = async (which: string, node: string, env: Record<string, string>) =>
        runInImage(sc, which, [node], env);
      const cases: [string, Record<string, string>][] = [
        ['node1', { HA_NICEFAILBACK: 'yes' }],
        ['NODE1', { HA_NICEFAILBACK: 'no' }],
        ['node2', {}],
        ['node1', { HA_info: 'ping node dead' }],
      ];
      for (const [node, env] of cases) {
        const stock = await run('/usr/share/heartbeat/mach_down', node, env);
        const box = await run(`${dir}/box-md`, node, env);
        expect(box, `${node} ${JSON.stringify(env)}`).toEqual(stock);
      }
      const taken = await run(`${dir}/box-md`, 'node1', { HA_NICEFAILBACK: 'yes' });
      expect(taken.calls).toBe('listkeys node1\ntakegroup k1\ntakegroup k2\n');
      // Through the box's harc and rc.d/status, which source what comes next: the same.
      const ETC = join(BOX_DIR, '..', '..', '..', 'etc', 'ha.d');
      mkdirSync(join(host, 'ha.d', 'rc.d'), { recursive: true });
      copyFileSync(join(ETC, 'harc'), join(host, 'ha.d', 'harc'));
      copyFileSync(join(ETC, 'rc.d', 'status'), join(host, 'ha.d', 'rc.d', 'status'));
      copyFileSync(join(BOX_DIR, 'mach_down'), join(host, 'bin', 'mach_down'));
      for (const [node, env] of cases) {
        const direct = await run(`${dir}/box-md`, node, env);
        const viaHarc = runInImage(sc, `${dir}/ha.d/harc`, ['status'], {
          ...env,
          HA_DIR: `${dir}/ha.d`,
          HA_st: 'dead',
          HA_src: node,
        });
        expect(viaHarc, `harc status ${node} ${JSON.stringify(env)}`).toEqual(direct);
      }
      expect(taken.fifo).toBe('>>>\nt=resource\nrsc_hold=foreign\ninfo=mach_down\n<<<\n');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it(
    "mach_down and req_resource source the box's ResourceManager: the same resource calls as when they run it",
    { timeout: 600_000 },
    async () => {
      const sc = await scratch('lib');
      const { host, dir } = sc;
      mkdirSync(join(host, 'bin'), { recursive: true });
      mkdirSync(join(host, 'resource.d'), { recursive: true });
      try {
        writeFileSync(join(host, 'haresources'), HARESOURCES);
        for (const s of SCRIPTS) writeFileSync(join(host, 'resource.d', s), fakeScript(dir, s), { mode: 0o755 });
        const rmText = readFileSync(BOX_RM, 'utf8');
        expect(rmText).toMatch(/^# pillars: ResourceManager library$/m);
        // The same program without its library line: the callers run it instead of sourcing it.
        const runOnly = rmText.replace(/^# pillars: ResourceManager library$/m, '#');
        copyFileSync(join(BOX_DIR, 'mach_down'), join(host, 'box-md'));
        copyFileSync(join(BOX_DIR, 'req_resource'), join(host, 'box-req'));
        const env = {
          HA_DIR: dir,
          HA_RESOURCEDIR: `${dir}/resource.d`,
          HA_DEBUGLOG: `${dir}/debug`,
          HA_NICEFAILBACK: 'no',
        };
        const run = (rm: string, script: string, args: string[], extra: Record<string, string>, held: string[]) => {
          writeFileSync(join(host, 'bin', 'ResourceManager'), rm, { mode: 0o755 });
          rmSync(join(host, 'state'), { recursive: true, force: true });
          mkdirSync(join(host, 'state'));
          for (const r of held) writeFileSync(join(host, 'state', r), '');
          const r = runInImage(sc, script, args, { ...env, ...extra });
          return { ...r, state: SCRIPTS.filter((x) => existsSync(join(host, 'state', x))) };
        };
        const cases: [string, string[], Record<string, string>, string[]][] = [
          // node1 dead: its group taken over here, every resource asked and started.
          [`${dir}/box-md`, ['node1'], {}, []],
          // Part of it already held: those are left alone.
          [`${dir}/box-md`, ['node1'], {}, ['IPaddr2', 'drbddisk']],
          // The peer's group is ours to take back with nobody to ask; held already: nothing.
          [`${dir}/box-req`, ['IPaddr2::192.0.2.10/24/lan'], { HA_DONTASK: 'yes' }, []],
          [`${dir}/box-req`, ['IPaddr2::192.0.2.10/24/lan'], { HA_DONTASK: 'yes' }, ['IPaddr2']],
        ];
        for (const [script, args, extra, held] of cases) {
          const sourced = run(rmText, script, args, extra, held);
          const started = run(runOnly, script, args, extra, held);
          expect(sourced, `${script} ${args.join(' ')} held=${held.join(',')}`).toEqual(started);
        }
        const taken = run(rmText, `${dir}/box-md`, ['node1'], {}, []);
        expect(taken.code).toBe(0);
        expect(taken.calls.trimEnd().split('\n')).toEqual(TAKE_CALLS);
        expect(taken.state).toEqual(['IPaddr2', 'drbddisk', 'Filesystem', 'svc']);
        // heartbeat's own mach_down, which runs the box's ResourceManager: the same calls.
        const stock = run(rmText, '/usr/share/heartbeat/mach_down', ['node1'], {}, []);
        expect(stock.calls).toBe(taken.calls);
      } finally {
        rmSync(host, { recursive: true, force: true });
      }
    },
  );

  it(
    "req_resource and rc.d/ip-request-resp: this node's own group asked for or taken, the same calls",
    {
      timeout: 600_000,
    },
    async () => {
      const sc = await scratch('req');
      const { host, dir } = sc;
      mkdirSync(join(host, 'bin'), { recursive: true });
      const ETC = join(BOX_DIR, '..', '..', '..', 'etc', 'ha.d');
      try {
        // A ResourceManager that logs its calls; `status` says held when the file "held" exists.
        writeFileSync(
          join(host, 'bin', 'ResourceManager'),
          `#!/bin/sh\necho "$*" >> ${dir}/calls\n[ "$1" = status ] && { [ -e ${dir}/held ]; exit $?; }\nexit 0\n`,
          { mode: 0o755 },
        );
        copyFileSync(join(BOX_DIR, 'req_resource'), join(host, 'box-req'));
        copyFileSync(join(ETC, 'rc.d', 'ip-request-resp'), join(host, 'box-resp'));
        const run = (script: string, args: string[], env: Record<string, string>, held = false) => {
          rmSync(join(host, 'held'), { force: true });
          if (held) writeFileSync(join(host, 'held'), '');
          return runInImage(sc, script, args, env);
        };
        // Held already, or the peer is there to ask: the same calls and the same message.
        const requests: [Record<string, string>, boolean][] = [
          [{}, true],
          [{}, false],
          [{ HA_NICEFAILBACK: 'yes' }, true],
        ];
        for (const [env, held] of requests) {
          const stock = run('/usr/share/heartbeat/req_resource', ['k1'], env, held);
          const box = run(`${dir}/box-req`, ['k1'], env, held);
          expect(box, `req_resource ${JSON.stringify(env)} held=${held}`).toEqual(stock);
        }
        expect(run(`${dir}/box-req`, ['k1'], {}, true)).toEqual({ code: 0, calls: 'status k1\n', fifo: '' });
        expect(run(`${dir}/box-req`, ['k1'], {}).fifo).toBe('>>>\nt=ip-request\nipaddr=k1\n<<<\n');
        // Nobody to ask (nice_failback, or heartbeat says so): heartbeat's script sends this node
        // the answer, and its ip-request-resp, run by heartbeat with the message's fields, takes
        // the group. The box's takes it at once: the same calls in the same order, no message.
        for (const env of [{ HA_NICEFAILBACK: 'yes' }, { HA_DONTASK: 'yes' }] as Record<string, string>[]) {
          const stock = run('/usr/share/heartbeat/req_resource', ['k1'], env);
          expect(stock.fifo).toBe('>>>\nt=ip-request-resp\ndest=node2\nipaddr=k1\nweown=yes\nok=OK\n<<<\n');
          const fields = stock.fifo.split('\n').filter((l) => /^[a-z]+=/.test(l) && !l.startsWith('t='));
          const answer = Object.fromEntries(fields.map((l) => [`HA_${l.split('=')[0]}`, l.slice(l.indexOf('=') + 1)]));
          const resp = run('/etc/ha.d/rc.d/ip-request-resp', ['ip-request-resp'], { ...env, ...answer });
          const box = run(`${dir}/box-req`, ['k1'], env);
          expect(box, `req_resource ${JSON.stringify(env)}`).toEqual({
            code: resp.code,
            calls: stock.calls + resp.calls,
            fifo: '',
          });
          expect(box.calls).toBe('status k1\ntakegroup k1\n');
        }
        const answers: Record<string, string>[] = [
          { HA_dest: 'node2', HA_ipaddr: 'k1', HA_ok: 'OK', HA_weown: 'yes' },
          { HA_dest: 'node1', HA_ipaddr: 'k1', HA_ok: 'OK' },
          { HA_dest: 'node2', HA_ipaddr: 'k1', HA_ok: 'DENY' },
        ];
        for (const env of answers) {
          const stock = run('/etc/ha.d/rc.d/ip-request-resp', ['ip-request-resp'], env);
          const box = run(`${dir}/box-resp`, ['ip-request-resp'], env);
          expect(box, `ip-request-resp ${JSON.stringify(env)}`).toEqual(stock);
        }
        expect(run(`${dir}/box-resp`, ['ip-request-resp'], answers[0]!).calls).toBe('takegroup k1\n');
        // No group named: both refuse.
        expect(run(`${dir}/box-resp`, ['ip-request-resp'], { HA_dest: 'node2' }).code).toBe(1);
        expect(run('/etc/ha.d/rc.d/ip-request-resp', ['ip-request-resp'], { HA_dest: 'node2' }).code).toBe(1);
      } finally {
        rmSync(host, { recursive: true, force: true });
      }
    },
  );

  it('harc and rc.d/status: a dead node reaches mach_down, anything else nothing', { timeout: 600_000 }, async () => {
    const { rootfs, host, dir } = await scratch('harc');
    const ETC = join(BOX_DIR, '..', '..', '..', 'etc', 'ha.d');
    try {
      for (const which of ['stock', 'box']) {
        mkdirSync(join(host, which, 'rc.d'), { recursive: true });
        mkdirSync(join(host, which, 'bin'), { recursive: true });
        const from = which === 'stock' ? join(rootfs, 'etc', 'ha.d') : ETC;
        copyFileSync(join(from, 'harc'), join(host, which, 'harc'));
        copyFileSync(join(from, 'rc.d', 'status'), join(host, which, 'rc.d', 'status'));
        writeFileSync(join(host, which, 'bin', 'mach_down'), `#!/bin/sh\necho "mach_down $*" >> ${dir}/calls\n`, {
          mode: 0o755,
        });
      }
      const run = (which: string, args: string[], env: Record<string, string>) => {
        rmSync(join(host, 'calls'), { force: true });
        // With /proc (rc.d/status reads the uptime), in a mount namespace of its own.
        const inChroot = 'mount -t proc proc "$0/proc" && exec chroot "$0" /bin/sh "$@"';
        const r = spawnSync('unshare', ['-m', 'sh', '-c', inChroot, rootfs, `${dir}/${which}/harc`, ...args], {
          env: {
            PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
            HA_DIR: `${dir}/${which}`,
            HA_FUNCS: '/etc/ha.d/shellfuncs',
            HA_NOARCHBIN: `${dir}/${which}/bin`,
            ...env,
          },
          encoding: 'utf8',
          timeout: 120_000,
        });
        const calls = existsSync(join(host, 'calls')) ? readFileSync(join(host, 'calls'), 'utf8') : '';
        return { code: r.status, calls };
      };
      const cases: [string[], Record<string, string>][] = [
        [['status'], { HA_st: 'dead', HA_src: 'node1' }],
        [['status'], { HA_st: 'active', HA_src: 'node1' }],
        [['nosuch'], {}],
      ];
      for (const [args, env] of cases) {
        const box = run('box', args, env);
        expect(box, `${args.join(' ')} ${JSON.stringify(env)}`).toEqual(run('stock', args, env));
      }
      expect(run('box', ['status'], { HA_st: 'dead', HA_src: 'node1' }).calls).toBe('mach_down node1\n');
      expect(run('box', ['nosuch'], {}).code).toBe(1);
      // The note of a peer declared dead, for drbddisk: written with the uptime on its death, gone
      // with its next status; none for this node itself or a ping node.
      const notes = join(rootfs, 'run', 'pillars', 'heartbeat', 'dead');
      mkdirSync(notes, { recursive: true });
      try {
        run('box', ['status'], { HA_st: 'dead', HA_src: 'node1', HA_CURHOST: 'node2' });
        expect(readFileSync(join(notes, 'node1'), 'utf8')).toMatch(/^node1 \d+\n$/);
        run('box', ['status'], { HA_st: 'dead', HA_src: 'node2', HA_CURHOST: 'node2' });
        run('box', ['status'], { HA_st: 'dead', HA_src: 'gw', HA_info: 'ping node dead', HA_CURHOST: 'node2' });
        run('box', ['status'], { HA_st: 'dead', HA_src: '../x', HA_CURHOST: 'node2' });
        expect(readdirSync(notes)).toEqual(['node1']);
        expect(run('box', ['status'], { HA_st: 'active', HA_src: 'node1', HA_CURHOST: 'node2' }).calls).toBe('');
        expect(readdirSync(notes)).toEqual([]);
      } finally {
        rmSync(join(rootfs, 'run', 'pillars'), { recursive: true, force: true });
      }
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});
