/**
 * heartbeat role: golden renders of ha.cf / haresources / authkeys / the DRBD resource, every
 * render accepted by the heartbeat grammar check (check.ts), and the check rejecting what
 * heartbeat 3.0.6 rejects. UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { contextFor, goldenDir, heartbeatCases } from '../../fixtures/render/cases.js';
import { heartbeatRole } from '../../../overlay/roles/heartbeat/index.js';
import { drbdRole } from '../../../overlay/roles/drbd/index.js';
import type { RoleContext } from '../../../overlay/roles/role.js';

/** The heartbeat pair's files: the drbd role's and the heartbeat role's. */
const hbRender = (ctx: RoleContext) => [drbdRole, heartbeatRole].flatMap((r) => r.render(ctx));
import { checkAuthkeys, checkHaCf, checkHaresources, haMs } from '../../../overlay/roles/heartbeat/check.js';
import { haTime } from '../../../overlay/roles/heartbeat/view.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import { loadConfig } from '../../../overlay/config/index.js';
import { parseEventLine } from '../../../overlay/roles/keepalived/events.js';
import { eventEffects } from '../../../overlay/supervisor/role-events.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const update = process.env.UPDATE_GOLDEN === '1';
/** Resource scripts of the image's heartbeat, resource-agents and drbd-utils packages, plus the one pillars renders. */
const SCRIPTS = new Set([
  'IPaddr',
  'IPaddr2',
  'Filesystem',
  'drbddisk',
  'MailTo',
  'PillarsEvent',
  'apache2',
  'httpd',
  'mysql',
  'pillars-records',
]);
const exists = (n: string) => SCRIPTS.has(n);

describe('heartbeat golden renders', () => {
  for (const c of heartbeatCases()) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name} on ${nodeName}`, () => {
        const files = hbRender(contextFor(c.config, nodeName));
        for (const f of files) {
          const golden = join(goldenDir, c.name, nodeName, basename(f.path));
          if (update || !existsSync(golden)) {
            if (!update) throw new Error(`missing golden file ${golden} (run with UPDATE_GOLDEN=1)`);
            mkdirSync(join(goldenDir, c.name, nodeName), { recursive: true });
            writeFileSync(golden, f.content);
          }
          expect(f.content, golden).toBe(readFileSync(golden, 'utf8'));
        }
        const byName = new Map(files.map((f) => [basename(f.path), f]));
        expect(byName.get('authkeys')?.mode).toBe(0o600);
        // Every render is what heartbeat accepts.
        const facts = checkHaCf(byName.get('ha.cf')!.content);
        expect(facts.errors).toEqual([]);
        expect(checkAuthkeys(byName.get('authkeys')!.content, 0o100600)).toEqual([]);
        expect(checkHaresources(byName.get('haresources')!.content, facts.nodes, exists)).toEqual([]);
      });
    }
  }
});

describe('ms timers', () => {
  it('are written in heartbeat time syntax and read back the same', () => {
    for (const ms of [200, 500, 1000, 1500, 30000, 120000]) expect(haMs(haTime(ms))).toBe(ms);
    expect(haTime(500)).toBe('500ms');
    expect(haTime(30000)).toBe('30');
  });
});

describe('the lab pair', () => {
  const c = heartbeatCases().find((x) => x.name === 'heartbeat-drbd-lab')!;
  const ctx = contextFor(c.config, 'ha1');
  const files = new Map(hbRender(ctx).map((f) => [basename(f.path), f.content]));

  it('ha.cf carries the fast timers, both media, the peer ucast, fencing and dopd', () => {
    const haCf = files.get('ha.cf')!;
    expect(haCf).toMatch(/^keepalive 200ms$/m);
    expect(haCf).toMatch(/^deadtime 1$/m);
    expect(haCf).toMatch(/^ucast lan 192\.0\.2\.12$/m);
    expect(haCf).toMatch(/^baud 115200\n(.*\n)*serial \/dev\/ttyS1$/m);
    expect(haCf).toMatch(/^stonith_host \* external\/pillars-lab ha1,ha2 192\.0\.2\.254:8090$/m);
    expect(haCf).toMatch(/^respawn hacluster \/usr\/libexec\/heartbeat\/dopd$/m);
    expect(haCf).toMatch(/^auto_failback off$/m);
  });
  it('the group is IP + drbddisk + Filesystem + service, then the event hook', () => {
    expect(files.get('haresources')).toContain(
      'ha1 IPaddr2::192.0.2.10/24/lan drbddisk::r0 Filesystem::/dev/drbd0::/srv/data::ext4::noatime pillars-records PillarsEvent::web\n',
    );
  });
  it('authkeys signs with the new key and still accepts the old one', () => {
    expect(files.get('authkeys')).toMatch(/^auth 2\n1 sha1 old-cluster-key\n2 sha1 new-cluster-key\n$/m);
  });
  it('the preferred node is the initial sync source; the other never forces itself', () => {
    expect(files.get('drbd-up.sh')).toContain('--overwrite-data-of-peer primary');
    const other = new Map(hbRender(contextFor(c.config, 'ha2')).map((f) => [basename(f.path), f.content]));
    expect(other.get('drbd-up.sh')).not.toContain('--overwrite-data-of-peer');
    expect(other.get('drbd-up.sh')).toContain('refusing to initialise it');
  });
  it("each node's DRBD facts name its own address, then the peer's, and the fence-peer handler", () => {
    expect(files.get('r0.pillars')).toMatch(
      /^MINOR=0\nLOCAL_ADDRESS=ipv4:198\.51\.100\.1:7788\nPEER=ha2\nPEER_ADDRESS=ipv4:198\.51\.100\.2:7788\nFENCE_PEER=\/usr\/lib\/pillars\/drbd-fence-peer$/m,
    );
    const other = new Map(hbRender(contextFor(c.config, 'ha2')).map((f) => [basename(f.path), f.content]));
    expect(other.get('r0.pillars')).toMatch(/^LOCAL_ADDRESS=ipv4:198\.51\.100\.2:7788\nPEER=ha1\n/m);
    // DRBD's helper is set where the facts carry a handler, without a newline (the kernel would
    // take it as part of the path, and every fence-peer would fail).
    expect(files.get('drbd-up.sh')).toContain(
      "printf '%s' /usr/lib/pillars/drbd-helper >/sys/module/drbd/parameters/usermode_helper",
    );
    expect(files.get('drbd-up.sh')).not.toMatch(/echo .*usermode_helper/);
  });
  it('services: drbd (oneshot) before heartbeat in the foreground', () => {
    const plan = planRoles(ctx, selectRoles(c.config).run);
    const hb = plan.services.find((s) => s.name === 'heartbeat')!;
    expect(hb.command).toEqual(['/run/pillars/etc/heartbeat-run.sh']);
    expect(hb.dependsOn).toContain('drbd');
    expect([drbdRole, heartbeatRole].flatMap((r) => r.checks(ctx)).map((x) => x.command[0])).toEqual([
      '/lib/drbd/drbdadm-84',
      '/usr/sbin/pillars-hacheck',
    ]);
  });
  it('heartbeat and director run together (heartbeat holds the VIP, keepalived checks)', () => {
    const d = heartbeatCases().find((x) => x.name === 'heartbeat-director')!;
    expect(selectRoles(d.config).run.filter((r) => r !== 'nofirewall')).toEqual([
      'network',
      'heartbeat',
      'director',
      'admin',
    ]);
  });
});

describe('the check reads files as heartbeat does', () => {
  const good =
    'udpport 694\nkeepalive 500ms\ndeadtime 2\nwarntime 1\ninitdead 10\nbcast eth1\nbaud 19200\nserial /dev/ttyS1\nnode a\nnode b\n';
  it('accepts a good ha.cf', () => expect(checkHaCf(good).errors).toEqual([]));
  it.each([
    [
      'deadtime not above 2 × keepalive',
      good.replace('deadtime 2', 'deadtime 1'),
      /deadtime \(1000 ms\) is too small compared to keepalive \(500 ms\)/,
    ],
    [
      'initdead below deadtime',
      good.replace('initdead 10', 'initdead 1500ms'),
      /initdead \(1500 ms\) is smaller than deadtime/,
    ],
    [
      'a time that is not one',
      good.replace('keepalive 500ms', 'keepalive fast'),
      /^ha.cf:2: keepalive: "fast" is not a time/,
    ],
    ['an unknown directive', good + 'keepalve 1\n', /^ha.cf:11: unknown directive "keepalve"/],
    [
      'serial before baud',
      good.replace('baud 19200\nserial /dev/ttyS1', 'serial /dev/ttyS1\nbaud 19200'),
      /^ha.cf:7: baud must come before serial/,
    ],
    [
      'bcast before udpport',
      good.replace('udpport 694\n', '').replace('bcast eth1', 'bcast eth1\nudpport 694'),
      /bcast/,
    ],
    ['no nodes', good.replace(/node .\n/g, ''), /no nodes defined/],
    ['no media', good.replace('bcast eth1\n', '').replace('serial /dev/ttyS1\n', ''), /no heartbeat media/],
  ])('rejects %s', (_name, text, re) => {
    expect(checkHaCf(text).errors.join('\n')).toMatch(re);
  });
  it('authkeys: mode, auth first and naming a key, methods and keys', () => {
    expect(checkAuthkeys('auth 1\n1 sha1 secretkey\n', 0o100644)[0]).toMatch(/mode 644: heartbeat refuses/);
    expect(checkAuthkeys('1 sha1 secretkey\nauth 1\n', 0o600)).toEqual(['authkeys:2: auth must come before the keys']);
    expect(checkAuthkeys('auth 3\n1 sha1 secretkey\n', 0o600)).toEqual(['authkeys:1: auth 3 names no key in the file']);
    expect(checkAuthkeys('auth 1\n1 sha256 secretkey\n', 0o600)).toEqual([
      'authkeys:2: unknown method "sha256" (sha1, md5 or crc)',
    ]);
    expect(checkAuthkeys('auth 1\n1 crc secret\n', 0o600)).toEqual(['authkeys:2: crc takes no key']);
  });
  it('haresources: known nodes, existing scripts, readable resources, continuation lines', () => {
    expect(
      checkHaresources('a 10.0.0.1 \\\n  drbddisk::r0 Filesystem::/dev/drbd0::/data::ext4 # web\n', ['a', 'b'], exists),
    ).toEqual([]);
    expect(checkHaresources('c 10.0.0.1\n', ['a', 'b'], exists)).toEqual([
      'haresources:1: c is not a node of ha.cf (a, b)',
    ]);
    expect(checkHaresources('a nosuchd\n', ['a', 'b'], exists)).toEqual([
      'haresources:1: no resource script nosuchd (in /etc/ha.d/resource.d or /etc/init.d)',
    ]);
    expect(checkHaresources('a Filesystem::/data\n', ['a'], exists)[0]).toMatch(
      /expected Filesystem::device::mountpoint::fstype/,
    );
  });
});

describe('values cannot change the structure of the files', () => {
  it('a respawn word with a space is refused by the validator with file:line', () => {
    const text = readFileSync(join(goldenDir, 'configs', 'heartbeat-drbd-lab.yaml'), 'utf8').replace(
      '  watchdog: /dev/watchdog\n',
      '  respawn: [{ command: ["/bin/x y"] }]\n',
    );
    const r = loadConfig(text, 'pillars.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.line).toBe(26);
  });
});

describe('group transitions reach the supervisor', () => {
  it('the rendered hook writes lines the supervisor reads, and the console shows them', () => {
    const c = heartbeatCases().find((x) => x.name === 'heartbeat-drbd-lab')!;
    const dir = mkdtempSync(join(tmpdir(), 'pillars-hb-'));
    try {
      // The hook writes only to a FIFO (never blocking a heartbeat resource action): make one.
      const fifo = join(dir, 'events');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const ctx = { ...contextFor(c.config, 'ha1'), eventFifo: fifo };
      const hook = hbRender(ctx).find((f) => f.path.endsWith('/PillarsEvent'))!;
      const script = join(dir, 'PillarsEvent');
      writeFileSync(script, hook.content.replaceAll('/run/pillars/heartbeat', join(dir, 'state')));
      chmodSync(script, 0o755);
      // Read the FIFO from a shell so the hook's write completes; bounded by timeouts.
      const r = spawnSync(
        'sh',
        ['-c', `exec 3<>${fifo}; ${script} web start; ${script} web stop; timeout 5 head -n 2 <&3`],
        { encoding: 'utf8', timeout: 10_000 },
      );
      const lines = r.stdout.trim().split('\n');
      expect(lines).toEqual(['HEARTBEAT "web" ACQUIRED', 'HEARTBEAT "web" RELEASED']);
      const fx = lines.map((l) => {
        const p = parseEventLine(l);
        if (!p.ok) throw new Error(p.error);
        return eventEffects(p.event);
      });
      expect(fx.map((f) => f.console)).toEqual([
        'pillars: heartbeat group web ACQUIRED',
        'pillars: heartbeat group web RELEASED',
      ]);
      expect(fx[0]!.annotate).toEqual({ key: 'heartbeat.web', value: 'HELD' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
