/**
 * drbddisk and DRBD's usermode helper skip drbdadm's parse of the whole configuration: they take
 * the resource's minor, addresses and peer from /etc/drbd.d/<res>.pillars, rendered next to
 * <res>.res from the same values. This checks, with chroot in the heartbeat image and its real
 * drbdadm-84, that they pass drbdsetup-84 the very words drbdadm-84 passes it (dry run, -d) and
 * that the helper gives the fence-peer handler the environment drbdadm-84 gives it, on both nodes
 * of the lab pair; and runs drbddisk's takeover of a dead peer's group: the refused promotion,
 * the dropped link, the fence-peer handler answered from drbddisk's note without asking heartbeat
 * a second time, the promotion, and the link listened on again. drbdsetup-84 and cl_status are
 * stand-ins that log their calls (there is no kernel DRBD here), bound over the image's own in a
 * private mount namespace, so the shared image tree keeps its files (it gains at most an empty
 * /usr/lib/pillars to mount on). Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { imageRootfs } from '../helpers/image-tools.js';
import { contextFor, heartbeatCases } from '../fixtures/render/cases.js';
import { drbdRole } from '../../overlay/roles/drbd/index.js';
import { heartbeatRole } from '../../overlay/roles/heartbeat/index.js';

const asRoot = process.getuid?.() === 0;
const OVERLAY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'overlay', 'rootfs');

/** The lab pair's rendered files on `node`, by base name. */
function rendered(node: string): Map<string, string> {
  const c = heartbeatCases().find((x) => x.name === 'heartbeat-drbd-lab')!;
  const ctx = contextFor(c.config, node);
  return new Map(
    [drbdRole, heartbeatRole].flatMap((r) => r.render(ctx)).map((f) => [f.path.split('/').pop()!, f.content]),
  );
}

/** A scratch tree in the image (`host` here, `dir` in the chroot) with the overlay's DRBD scripts. */
async function scratch(node: string, handler?: string) {
  const rootfs = await imageRootfs('drbd-utils', 'heartbeat');
  const rel = `tmp/pillars-drbdsetup-${randomBytes(4).toString('hex')}`;
  const host = join(rootfs, rel);
  const files = rendered(node);
  for (const d of ['drbd.d', 'ha.d', 'pillars', 'bin']) mkdirSync(join(host, d), { recursive: true });
  let res = files.get('r0.res')!;
  if (handler) res = res.replace('fence-peer "/usr/lib/pillars/drbd-fence-peer"', `fence-peer "${handler}"`);
  // The scratch drbd.d stands in for the image's: its global_common.conf, drbd.conf includes it.
  copyFileSync(join(rootfs, 'etc', 'drbd.d', 'global_common.conf'), join(host, 'drbd.d', 'global_common.conf'));
  writeFileSync(join(host, 'drbd.d', 'r0.res'), res);
  let facts = files.get('r0.pillars')!;
  if (handler) facts = facts.replace('FENCE_PEER=/usr/lib/pillars/drbd-fence-peer', `FENCE_PEER=${handler}`);
  writeFileSync(join(host, 'drbd.d', 'r0.pillars'), facts);
  writeFileSync(join(host, 'ha.d', 'ha.cf'), files.get('ha.cf')!);
  for (const f of ['drbd-helper', 'drbd-fence-peer'])
    writeFileSync(join(host, 'pillars', f), readFileSync(join(OVERLAY, 'usr', 'lib', 'pillars', f)), { mode: 0o755 });
  writeFileSync(join(host, 'drbddisk'), readFileSync(join(OVERLAY, 'etc', 'ha.d', 'resource.d', 'drbddisk')), {
    mode: 0o755,
  });
  return { rootfs, host, dir: `/${rel}` };
}

/**
 * Runs `script` (sh) in the chroot inside new mount, UTS and network namespaces: hostname `node`,
 * its DRBD address on the namespace's loopback, /proc (or `proc`) and a tmpfs /run mounted, the scratch
 * drbd.d over /etc/drbd.d and its scripts over /usr/lib/pillars, and each `binds` file over the
 * image's path.
 */
function inImage(
  s: { rootfs: string; host: string; dir: string },
  node: string,
  script: string,
  binds: Record<string, string> = {},
  proc?: string,
): { status: number | null; stdout: string; stderr: string } {
  const R = s.rootfs;
  // drbdadm connect wants this node's address on the host: a network namespace of its own holds it.
  const local = /^LOCAL_ADDRESS=ipv4:([0-9.]+):/m.exec(readFileSync(join(s.host, 'drbd.d', 'r0.pillars'), 'utf8'))![1];
  const setup = [
    `hostname ${node}`,
    `ip link set lo up`,
    `ip addr add ${local}/32 dev lo`,
    // `proc`: a scratch directory standing in for /proc (a DRBD state without the kernel's DRBD).
    proc ? `mount --bind ${s.host}/${proc} ${R}/proc` : `mount -t proc proc ${R}/proc`,
    `mount -t tmpfs tmpfs ${R}/run`,
    `mount --bind ${s.host}/drbd.d ${R}/etc/drbd.d`,
    `mkdir -p ${R}/usr/lib/pillars && mount --bind ${s.host}/pillars ${R}/usr/lib/pillars`,
    ...Object.entries(binds).map(([target, src]) => `mount --bind ${s.host}/${src} ${R}${target}`),
  ].join(' && ');
  const r = spawnSync(
    'unshare',
    [
      '-mun',
      'sh',
      '-c',
      `${setup} && exec chroot ${R} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DRBD_DRIVER_VERSION_OVERRIDE=8.4.11 HA_DIR=${s.dir}/ha.d /bin/sh -c "$1"`,
      'sh',
      script,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!asRoot)('drbddisk and the DRBD helper pass what drbdadm-84 passes', () => {
  for (const node of ['ha1', 'ha2']) {
    it(`${node}: drbddisk's drbdsetup-84 words for primary, secondary, role and disconnect are drbdadm-84's`, async () => {
      const s = await scratch(node);
      try {
        // drbdadm-84's dry run prints the drbdsetup-84 call it would make.
        const want = inImage(
          s,
          node,
          'for c in primary secondary role "disconnect --force"; do /usr/lib/drbd/drbdadm-84 -d $c r0 | sed "s#^/usr/lib/drbd/drbdsetup-84#drbdsetup#"; done',
        );
        expect(want.stdout.split('\n').filter(Boolean)).toHaveLength(4);
        // drbddisk's own calls, through a drbdsetup-84 that logs them: a promotion refused as by a
        // live primary peer (no STONITH answer asked: cl_status says the peer is active), a demotion,
        // a status, then the facts' disconnect words as drbddisk forms them.
        writeFileSync(
          join(s.host, 'bin', 'drbdsetup'),
          `#!/bin/sh\necho "drbdsetup $*" >> ${s.dir}/log\ncase $1 in role) echo Secondary/Primary ;; esac\nexit 0\n`,
          { mode: 0o755 },
        );
        const got = inImage(
          s,
          node,
          `sh ${s.dir}/drbddisk r0 start && sh ${s.dir}/drbddisk r0 stop; sh ${s.dir}/drbddisk r0 status; echo "status $?"; . /etc/drbd.d/r0.pillars && /usr/lib/drbd/drbdsetup-84 disconnect "$LOCAL_ADDRESS" "$PEER_ADDRESS" --force; cat ${s.dir}/log`,
          { '/usr/lib/drbd/drbdsetup-84': 'bin/drbdsetup' },
        );
        expect(got.stdout).toContain('stopped (Secondary)\nstatus 3\n');
        expect(got.stdout.split('\n').filter((l) => l.startsWith('drbdsetup '))).toEqual(
          want.stdout.split('\n').filter(Boolean),
        );
      } finally {
        rmSync(s.host, { recursive: true, force: true });
      }
    });

    it(`${node}: the helper runs the fence-peer handler with drbdadm-84's environment, anything else goes to drbdadm`, async () => {
      const s = await scratch(node, '/usr/lib/pillars/dump-env');
      try {
        writeFileSync(join(s.host, 'pillars', 'dump-env'), '#!/bin/sh\nenv | grep ^DRBD_ | sort\nexit 5\n', {
          mode: 0o755,
        });
        const viaDrbdadm = inImage(s, node, '/usr/lib/drbd/drbdadm-84 fence-peer r0; echo "rc $?"');
        // As the kernel runs its helper for a connection: the peer's address family and address set.
        const peer = /PEER_ADDRESS=ipv4:([0-9.]+):/.exec(
          readFileSync(join(s.host, 'drbd.d', 'r0.pillars'), 'utf8'),
        )![1];
        const viaHelper = inImage(
          s,
          node,
          `env -i HOME=/ TERM=linux PATH=/sbin:/usr/sbin:/bin:/usr/bin DRBD_PEER_AF=ipv4 DRBD_PEER_ADDRESS=${peer} /usr/lib/pillars/drbd-helper fence-peer r0; echo "rc $?"`,
        );
        // DRBD_CONF names the file drbdadm read; the version override is this test's, passed through.
        const vars = (out: string) =>
          out.split('\n').filter((l) => l && !/^DRBD_(CONF|DRIVER_VERSION_OVERRIDE)=/.test(l));
        expect(viaDrbdadm.stdout).toMatch(/^rc 5$/m);
        expect(viaDrbdadm.stdout).toContain(`DRBD_PEER=${node === 'ha1' ? 'ha2' : 'ha1'}\n`);
        expect(vars(viaHelper.stdout)).toEqual(vars(viaDrbdadm.stdout));
        // Another command (or a resource without facts) goes to drbdadm as before.
        const other = inImage(s, node, '/usr/lib/pillars/drbd-helper fence-peer nosuch; echo "rc $?"');
        expect(other.stdout + other.stderr).toMatch(/nosuch/);
        expect(other.stdout).not.toMatch(/^rc 5$/m);
      } finally {
        rmSync(s.host, { recursive: true, force: true });
      }
    });
  }

  /**
   * drbdsetup-84 and cl_status stand-ins for the takeover of a dead peer's group, logging their
   * calls. With `refusal`, drbdsetup behaves as the kernel does while DRBD still sees the dead peer:
   * a promotion before the disconnect fails with that message (the kernel waits for the peer, then
   * refuses); after it, the promotion runs DRBD's helper for fence-peer (the peer's disk is
   * unknown) the way the kernel does, and succeeds when it answers 5. Without, every promotion
   * succeeds. cl_status says the peer is dead. drbddisk r0 start then runs in the chroot (with
   * PILLARS_DEAD_NODE=`deadNode`, as mach_down sets it, when given), waiting
   * (bounded) for the background reconnect when the link was dropped; returns its output and the
   * logged calls.
   */
  function takeover(
    s: Awaited<ReturnType<typeof scratch>>,
    refusal: string | undefined,
    proc?: string,
    deadNode?: string,
    note?: string,
  ) {
    const promote =
      refusal === undefined
        ? ':'
        : `if [ ! -e $d/dropped ]; then echo "${refusal}" >&2; exit 11; fi
    env -i HOME=/ TERM=linux PATH=/sbin:/usr/sbin:/bin:/usr/bin /usr/lib/pillars/drbd-helper fence-peer r0 >> $d/log 2>&1
    rc=$?; echo "fence-peer rc=$rc" >> $d/log; [ $rc = 5 ]`;
    writeFileSync(
      join(s.host, 'bin', 'drbdsetup'),
      `#!/bin/sh
d=${s.dir}
echo "drbdsetup $*" >> $d/log
case $1 in
  primary)
    ${promote} ;;
  disconnect) touch $d/dropped ;;
esac
`,
      { mode: 0o755 },
    );
    writeFileSync(join(s.host, 'bin', 'cl_status'), `#!/bin/sh\necho "cl_status $*" >> ${s.dir}/log\necho dead\n`, {
      mode: 0o755,
    });
    const r = inImage(
      s,
      'ha2',
      `${note === undefined ? '' : `mkdir -p /run/pillars/heartbeat/dead && echo "${note}" > /run/pillars/heartbeat/dead/ha1; `}${deadNode === undefined ? '' : `PILLARS_DEAD_NODE=${deadNode} `}sh ${s.dir}/drbddisk r0 start; echo "start $?"; i=0; while [ -e ${s.dir}/dropped ] && ! grep -q "drbdsetup connect" ${s.dir}/log && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; ls /run/pillars/drbd; cat ${s.dir}/log`,
      { '/usr/lib/drbd/drbdsetup-84': 'bin/drbdsetup', '/usr/bin/cl_status': 'bin/cl_status' },
      proc,
    );
    const calls = r.stdout.split('\n').filter((l) => /^(drbdsetup|cl_status|fence-peer|drbd-fence-peer)/.test(l));
    return { stdout: r.stdout, calls };
  }

  /** A scratch /proc for node ha2 (bind-mounted by `takeover`'s `proc`): its hostname and DRBD showing `view` for minor 0. */
  function fakeProc(s: Awaited<ReturnType<typeof scratch>>, view: string): void {
    mkdirSync(join(s.host, 'proc', 'sys', 'kernel'), { recursive: true });
    writeFileSync(join(s.host, 'proc', 'sys', 'kernel', 'hostname'), 'ha2\n');
    writeFileSync(join(s.host, 'proc', 'uptime'), '1000.52 1900.10\n');
    writeFileSync(
      join(s.host, 'proc', 'drbd'),
      `version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 0\n\n 0: ${view} C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n`,
    );
  }

  /** The calls after heartbeat's answer: link dropped, promoted with the note's answer, listening again. */
  const DROPPED_AND_PROMOTED = [
    'drbdsetup disconnect ipv4:198.51.100.2:7788 ipv4:198.51.100.1:7788 --force',
    'drbdsetup primary 0',
    expect.stringMatching(
      /^drbd-fence-peer: r0: heartbeat declared ha1 dead \(drbddisk \d+\): its disk is outdated \(exit 5\)$/,
    ),
    'fence-peer rc=5',
    expect.stringMatching(/^drbdsetup connect r0 ipv4:198\.51\.100\.2:7788 ipv4:198\.51\.100\.1:7788 --protocol=C /),
  ];

  // What DRBD 8.4 answers a promotion while it still sees the peer: primary, or (a power cut of the
  // primary under `fencing resource-only`, seen in the lab) a peer whose disk is not outdated.
  // Without /proc/drbd drbddisk cannot see that before promoting, and learns it from the refusal.
  it.each([
    '0: State change failed: (-1) Multiple primaries not allowed by config',
    '0: State change failed: (-7) Refusing to be Primary while peer is not outdated',
  ])(
    "takeover of a dead peer's group after %s: one question to heartbeat, link dropped, promoted, listening again",
    async (refusal) => {
      const s = await scratch('ha2');
      try {
        const r = takeover(s, refusal);
        expect(r.stdout).toMatch(/^start 0$/m);
        expect(r.calls).toEqual(['drbdsetup primary 0', 'cl_status nodestatus ha1', ...DROPPED_AND_PROMOTED]);
        // The note is gone once drbddisk is done.
        expect(r.stdout).not.toMatch(/peer-dead/);
      } finally {
        rmSync(s.host, { recursive: true, force: true });
      }
    },
  );

  // The usual case after a power cut: heartbeat has declared the peer dead before DRBD's ping
  // noticed, and DRBD still shows it connected and primary. A promotion now would wait in the
  // kernel for the dead peer's answer until that ping times out (1.5 s in a lab trace): drbddisk
  // drops the link first, and the promotion's fence-peer handler takes drbddisk's answer.
  it.each([
    ['cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate', true],
    ['cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown', true],
    ['cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate', false],
  ])('takeover with DRBD showing %s: link dropped before the promotion: %s', async (view, dead) => {
    const s = await scratch('ha2');
    try {
      fakeProc(s, view);
      const r = takeover(
        s,
        dead ? '0: State change failed: (-7) Refusing to be Primary while peer is not outdated' : undefined,
        'proc',
      );
      expect(r.stdout).toMatch(/^start 0$/m);
      // A demoted live peer (a switchover): promoted at once, heartbeat not asked.
      expect(r.calls).toEqual(dead ? ['cl_status nodestatus ha1', ...DROPPED_AND_PROMOTED] : ['drbdsetup primary 0']);
      expect(r.stdout).not.toMatch(/peer-dead/);
    } finally {
      rmSync(s.host, { recursive: true, force: true });
    }
  });
  // mach_down names the node heartbeat declared dead and fenced: drbddisk does not ask heartbeat
  // again (cl_status took 0.2-0.35 s of a lab takeover). Any other name: it asks. heartbeat takes
  // this node's own group back through req_resource, whose environment names no dead node:
  // rc.d/status's note of it (written on its death, after STONITH) stands in for a minute (the
  // fake uptime is 1000 s). An older note, another node's or a garbled one: it asks.
  it.each([
    ['mach_down names ha1', 'ha1', undefined, false],
    ['mach_down names ha3', 'ha3', undefined, true],
    ['note "ha1 990"', undefined, 'ha1 990', false],
    ['note "ha1 900"', undefined, 'ha1 900', true],
    ['note "ha3 995"', undefined, 'ha3 995', true],
    ['note "ha1 99x"', undefined, 'ha1 99x', true],
  ])("takeover of a dead peer's group, %s: heartbeat asked: %s", async (_what, deadNode, note, asked) => {
    const s = await scratch('ha2');
    try {
      fakeProc(s, 'cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate');
      const r = takeover(
        s,
        '0: State change failed: (-7) Refusing to be Primary while peer is not outdated',
        'proc',
        deadNode,
        note,
      );
      expect(r.stdout).toMatch(/^start 0$/m);
      expect(r.calls).toEqual([...(asked ? ['cl_status nodestatus ha1'] : []), ...DROPPED_AND_PROMOTED]);
      expect(r.stdout).not.toMatch(/peer-dead/);
    } finally {
      rmSync(s.host, { recursive: true, force: true });
    }
  });
});
