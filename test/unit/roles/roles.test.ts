/**
 * The vrrp, director and carp roles: who owns keepalived, the services and checks they declare,
 * the sysctls they need, and the keepalived view's decisions.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, formatIssues, type PillarsConfig } from '../../../overlay/config/index.js';
import { vrrpRole } from '../../../overlay/roles/vrrp/index.js';
import { directorRole } from '../../../overlay/roles/director/index.js';
import { carpRole, carpPaths } from '../../../overlay/roles/carp/index.js';
import {
  keepalivedOwner,
  keepalivedView,
  ipvsSyncView,
  IPVS_SYNC_SERVICE,
  secondsText,
  vipWithPrefix,
  mergedUsrCommand,
} from '../../../overlay/roles/keepalived/index.js';
import { parseCidr } from '../../../overlay/config/net.js';
import { contextFor, renderCases } from '../../fixtures/render/cases.js';
import type { Role } from '../../../overlay/roles/role.js';

const byName = new Map(renderCases().map((c) => [c.name, c.config]));
function caseConfig(name: string): PillarsConfig {
  const c = byName.get(name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
}
function load(text: string): PillarsConfig {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(formatIssues(r.issues));
  return r.config;
}
const ROLES: Role[] = [vrrpRole, directorRole, carpRole];

describe('keepalived for vrrp + director', () => {
  it.each([...byName.keys()])('%s: one keepalived per subsystem, each with its own file and check', (name) => {
    const config = caseConfig(name);
    for (const nodeName of Object.keys(config.nodes)) {
      const ctx = contextFor(config, nodeName);
      const services = ROLES.flatMap((r) => r.services(ctx)).filter((s) => s.name.startsWith('keepalived'));
      const files = ROLES.flatMap((r) => r.render(ctx)).filter((f) => /keepalived(-lvs)?\.conf$/.test(f.path));
      const checks = ROLES.flatMap((r) => r.checks(ctx)).filter((c) => /^keepalived(-lvs)?\.conf$/.test(c.what));
      const split = !!(config.vrrp && config.director);
      const count = split ? 2 : config.vrrp || config.director ? 1 : 0;
      expect(services.map((s) => s.name)).toEqual(['keepalived', 'keepalived-lvs'].slice(0, count));
      expect(files).toHaveLength(count);
      expect(checks.map((c) => c.command)).toEqual(
        ['/run/pillars/etc/keepalived.conf', '/run/pillars/etc/keepalived-lvs.conf']
          .slice(0, count)
          .map((f) => ['keepalived', '-t', '-f', f]),
      );
      // Every file argument of a service is a file some role renders.
      for (const s of services) {
        const use = s.command.find((a) => a.startsWith('--use-file='))!.slice('--use-file='.length);
        expect(files.map((f) => f.path)).toContain(use);
      }
      // vrrp.bfd adds one check, before keepalived -t: the image's keepalived must have BFD.
      const whats = ROLES.flatMap((r) => r.checks(ctx)).map((c) => c.what);
      expect(whats.filter((w) => w === 'keepalived BFD support')).toHaveLength(config.vrrp?.bfd ? 1 : 0);
      if (config.vrrp?.bfd)
        expect(whats.indexOf('keepalived BFD support')).toBeLessThan(whats.indexOf('keepalived.conf'));
    }
  });

  it('with vrrp and director, keepalived runs split: --vrrp (ready on the FIFO) and --check, a file each', () => {
    const ctx = contextFor(caseConfig('classic-nat-rr'), 'lvs1');
    expect(keepalivedOwner(ctx.config)).toBe('vrrp');
    const svc = vrrpRole.services(ctx).find((x) => x.name === 'keepalived');
    expect(svc!.command).toEqual([
      'keepalived',
      '--dont-fork',
      '--log-console',
      '--log-detail',
      '--vrrp',
      '--use-file=/run/pillars/etc/keepalived.conf',
    ]);
    expect(svc!.readiness.kind).toBe('notify');
    const conf = vrrpRole.render(ctx)[0]!;
    expect(conf.mode).toBe(0o600); // auth_pass
    expect(conf.content).toMatch(/^vrrp_instance VI_1 \{/m);
    expect(conf.content).not.toMatch(/virtual_server|checker_no_swap/);
    // The health checker: its own process, file and pid files; SIGHUP on a pool change.
    const [lvs] = directorRole.services(ctx);
    expect(lvs!.name).toBe('keepalived-lvs');
    expect(lvs!.command).toEqual([
      'keepalived',
      '--dont-fork',
      '--log-console',
      '--log-detail',
      '--check',
      '--pid=/run/keepalived-lvs.pid',
      '--checkers_pid=/run/keepalived-lvs-checkers.pid',
      '--use-file=/run/pillars/etc/keepalived-lvs.conf',
    ]);
    expect(lvs!.reloadSignal).toBe('SIGHUP');
    expect(lvs!.reads).toEqual(['/run/pillars/etc/keepalived-lvs.conf']);
    expect(lvs!.afterCrash).toBeUndefined();
    const [pool] = directorRole.render(ctx);
    expect(pool!.path).toBe('/run/pillars/etc/keepalived-lvs.conf');
    expect(pool!.content).toMatch(/^virtual_server 192\.168\.1\.10 80 \{/m);
    expect(pool!.content).not.toMatch(/vrrp_|auth_pass|bfd/);
    expect(pool!.content).toMatch(/notify_fifo/);
    // Killed, keepalived cannot drop its VIPs: the supervisor runs the release script.
    const release = vrrpRole.render(ctx).find((f) => f.path === '/run/pillars/etc/keepalived-release.sh')!;
    expect(svc!.afterCrash).toEqual(['/bin/sh', release.path]);
    expect(release.mode).toBe(0o755);
    const vips = [...conf.content.matchAll(/^ {4}(\S+) dev (\S+)$/gm)].map(
      (m) => `ip address del ${m[1]} dev ${m[2]} 2>/dev/null`,
    );
    expect(vips.length).toBeGreaterThan(0);
    expect(release.content.split('\n').filter((l) => l.startsWith('ip '))).toEqual(vips);
  });

  it('director without vrrp (VIP on the box itself): the director role runs keepalived --check', () => {
    const config = caseConfig('example-dr-tun-pools');
    const solo = load(`
version: 1
profile: director
nodes:
  lb:
    interfaces:
      lan: { mac: "52:54:00:00:00:01", addresses: [192.0.2.2/24, 192.0.2.10/24] }
director:
  virtual_servers:
    - { vip: 192.0.2.10, port: 80, scheduler: rr, real_servers: [{ address: 192.0.2.21 }] }
`);
    expect(config.vrrp).toBeDefined();
    const ctx = contextFor(solo, 'lb');
    expect(vrrpRole.services(ctx)).toEqual([]);
    const [svc] = directorRole.services(ctx);
    expect(svc!.command).toContain('--check');
    expect(svc!.readiness.kind).toBe('none');
    expect(directorRole.render(ctx)[0]!.content).not.toMatch(/vrrp_instance|lvs_sync_daemon/);
  });

  it('vrrp only: keepalived --vrrp', () => {
    const ctx = contextFor(caseConfig('starter-router'), 'r1');
    expect(vrrpRole.services(ctx)[0]!.command).toContain('--vrrp');
  });
});

describe('keepalived view', () => {
  it('takes the priority of this node and every node starts BACKUP', () => {
    const config = caseConfig('classic-nat-rr');
    expect(keepalivedView({ ...contextFor(config, 'lvs1') }).instances.map((i) => i.priority)).toEqual([150, 150]);
    expect(keepalivedView({ ...contextFor(config, 'lvs2') }).instances.map((i) => i.priority)).toEqual([100, 100]);
    expect(vrrpRole.render(contextFor(config, 'lvs2'))[0]!.content.match(/state BACKUP/g)).toHaveLength(2);
  });

  it('advert_int: fractional seconds for v3, whole seconds for v2', () => {
    expect([1000, 100, 50, 10, 2500, 40950].map(secondsText)).toEqual(['1', '0.1', '0.05', '0.01', '2.5', '40.95']);
    const fast = keepalivedView(contextFor(caseConfig('unicast-fast'), 'r1'));
    expect(fast.instances.map((i) => i.advertInt)).toEqual(['0.05', '0.05']);
    // down_timer_adverts appears only where the config leaves the RFCs' 3.
    const conf = vrrpRole.render(contextFor(caseConfig('unicast-fast'), 'r1'))[0]!.content;
    expect(conf.match(/^\s*down_timer_adverts \d+$/gm)).toEqual(['  down_timer_adverts 4']);
    expect(conf.indexOf('down_timer_adverts 4')).toBeLessThan(conf.indexOf('vrrp_instance VI_DOWN'));
    expect(fast.global.fast).toBe(true);
    const v2 = keepalivedView(contextFor(caseConfig('classic-nat-rr'), 'lvs1'));
    expect(v2.instances.map((i) => i.advertInt)).toEqual(['1', '1']);
    expect(v2.global.fast).toBe(false);
  });

  it("fast timers: the real-time VRRP child gets 1 s of RT CPU between blocking calls, not keepalived's 10 ms", () => {
    const fastConf = vrrpRole.render(contextFor(caseConfig('unicast-fast'), 'r1'))[0]!.content;
    expect(fastConf).toMatch(/vrrp_rt_priority 50\n\s+vrrp_rlimit_rttime 10000000\n/);
    expect(vrrpRole.render(contextFor(caseConfig('classic-nat-rr'), 'lvs1'))[0]!.content).not.toContain(
      'vrrp_rlimit_rttime',
    );
  });

  it('unicast: the peer list without this node, the source address of this node', () => {
    const r2 = keepalivedView(contextFor(caseConfig('unicast-fast'), 'r2'));
    expect(r2.instances.map((i) => [i.unicastSrc, i.unicastPeers])).toEqual([
      ['198.51.100.3', ['198.51.100.2']],
      ['10.1.0.3', ['10.1.0.2']],
    ]);
  });

  it('nopreempt drops preempt_delay (keepalived rejects the pair)', () => {
    const v = keepalivedView(contextFor(caseConfig('unicast-fast'), 'r1'));
    expect(v.instances.map((i) => [i.nopreempt, i.preemptDelay])).toEqual([
      [false, 0],
      [true, 0],
    ]);
  });

  it('a bare VIP takes the prefix of the node on the interface; other families go to the excluded list', () => {
    expect(vipWithPrefix('10.1.0.1', [parseCidr('10.1.0.2/24')!])).toBe('10.1.0.1/24');
    expect(vipWithPrefix('10.1.0.1/16', [parseCidr('10.1.0.2/24')!])).toBe('10.1.0.1/16');
    expect(vipWithPrefix('10.1.0.1', [])).toBe('10.1.0.1/32');
    const v = keepalivedView(contextFor(caseConfig('unicast-fast'), 'r1'));
    expect(v.instances[0]!.vips).toEqual(['198.51.100.1/29 dev up']);
    expect(v.instances[0]!.excludedVips).toEqual(['2001:db8::1/64 dev up']);
  });

  it('weighted tracking scripts in a sync group are kept (sync_group_tracking_weight)', () => {
    const v = keepalivedView(contextFor(caseConfig('unicast-fast'), 'r1'));
    expect(v.syncGroups).toEqual([
      { name: 'VG_EDGE', instances: ['VI_UP', 'VI_DOWN'], smtpAlert: false, trackingWeight: true },
    ]);
    expect(v.global.scriptSecurity).toBe(true);
  });

  it('the IPVS sync daemons run beside keepalived, with the sync id of the instance holding the first VIP, on the statesync interface if any', () => {
    const c = contextFor(caseConfig('classic-nat-rr'), 'lvs1');
    expect(ipvsSyncView(c.config, 'lvs1')).toEqual({ node: 'lvs1', iface: 'ext', syncid: 51 });
    const s = caseConfig('starter-director');
    expect(ipvsSyncView(s, Object.keys(s.nodes)[0]!)?.iface).toBe('wan');
    // keepalived never switches a sync daemon itself: no lvs_sync_daemon, a oneshot before it instead.
    const files = vrrpRole.render(c);
    expect(files.find((f) => f.path.endsWith('keepalived.conf'))!.content).not.toMatch(/lvs_sync_daemon/);
    const script = files.find((f) => f.path.endsWith('ipvs-sync.sh'))!.content;
    expect(script).toMatch(/^for state in master backup; do$/m);
    expect(script).toMatch(/^ {2}ipvsadm --start-daemon \$state --mcast-interface ext --syncid 51 \|\| exit 1$/m);
    const services = vrrpRole.services(c);
    expect(services.map((x) => x.name)).toEqual([IPVS_SYNC_SERVICE, 'keepalived']);
    expect(services[1]!.dependsOn).toContain(IPVS_SYNC_SERVICE);
    // Without IPVS sync (a router), keepalived runs alone.
    const off = caseConfig('classic-nat-rr');
    const noSync = { ...off, statesync: { ...(off.statesync ?? {}), ipvs_sync: false } } as PillarsConfig;
    expect(ipvsSyncView(noSync, 'lvs1')).toBeUndefined();
  });

  it('alerts: smtp server and port, recipients, smtp_alert everywhere', () => {
    const v = keepalivedView(contextFor(caseConfig('classic-nat-rr'), 'lvs1'));
    expect(v.global.smtp).toEqual({
      server: '192.168.1.25',
      port: 25,
      from: 'lvs@example.com',
      to: ['sysadmin@example.com', 'oncall@example.com'],
    });
    expect(
      v.instances.every((i) => i.smtpAlert) &&
        v.syncGroups.every((g) => g.smtpAlert) &&
        v.virtualServers.every((s) => s.smtpAlert),
    ).toBe(true);
  });

  it('virtual servers: fwmark, per-real-server method, default check inherited, sorry server', () => {
    const v = keepalivedView(contextFor(caseConfig('fwmark'), 'lb1'));
    const fw = v.virtualServers[0]!;
    expect(fw.address).toBe('fwmark 1');
    expect(fw.protocol).toBeUndefined();
    expect(fw.realServers.map((r) => [r.port, r.method, r.checker?.kind])).toEqual([
      [0, undefined, 'MISC_CHECK'],
      [0, 'NAT', 'SSL_GET'],
    ]);
    const classic = keepalivedView(contextFor(caseConfig('classic-nat-rr'), 'lvs1')).virtualServers[0]!;
    expect(classic.sorryServer).toBe('10.10.0.250 8080');
    expect(classic.realServers).toHaveLength(5);
    expect(classic.realServers.every((r) => r.checker?.kind === 'HTTP_GET')).toBe(true);
  });

  it('scripts point at /usr/bin, not through the /bin symlink keepalived calls insecure', () => {
    expect(mergedUsrCommand('/bin/pidof haproxy')).toBe('/usr/bin/pidof haproxy');
    expect(mergedUsrCommand('/sbin/ip link')).toBe('/usr/sbin/ip link');
    expect(mergedUsrCommand('/usr/local/bin/x /bin/y')).toBe('/usr/local/bin/x /bin/y');
    expect(keepalivedView(contextFor(caseConfig('unicast-fast'), 'r1')).scripts[0]!.script).toBe(
      '/usr/bin/busybox ping -c 1 -W 1 198.51.100.1',
    );
  });
});

describe('sysctls', () => {
  it('vrrp: non-local bind for services on the VIP', () => {
    expect(vrrpRole.sysctls(contextFor(caseConfig('starter-router'), 'r1'))).toEqual({
      'net.ipv4.ip_nonlocal_bind': '1',
      'net.ipv6.ip_nonlocal_bind': '1',
    });
  });
  it('director NAT: forwarding, no redirects, expire dead connections and quiescent templates', () => {
    expect(directorRole.sysctls(contextFor(caseConfig('example-keepalived-http-get'), 'lvs1'))).toEqual({
      'net.ipv4.vs.expire_nodest_conn': '1',
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.all.send_redirects': '0',
      'net.ipv4.conf.default.send_redirects': '0',
      'net.ipv4.vs.expire_quiescent_template': '1',
    });
  });
  it('director NAT behind the firewall: IPVS connections in conntrack', () => {
    expect(directorRole.sysctls(contextFor(caseConfig('fwmark'), 'lb1'))['net.ipv4.vs.conntrack']).toBe('1');
  });
  it('director DR/TUN only: no forwarding needed', () => {
    const s = directorRole.sysctls(contextFor(caseConfig('example-dr-tun-pools'), 'lvs1'));
    expect(s).toEqual({ 'net.ipv4.vs.expire_nodest_conn': '1' });
  });
});

describe('carp role', () => {
  const config = caseConfig('carp');
  const ctx = contextFor(config, 'r2');

  it("one ucarp per instance with this node's skew and source address, password from a file", () => {
    const services = carpRole.services(ctx);
    expect(services.map((s) => s.name)).toEqual(['ucarp-up-20', 'ucarp-down-21']);
    expect(services[0]!.command).toEqual([
      'ucarp',
      '--interface=up',
      '--srcip=198.51.100.3',
      '--vhid=20',
      '--passfile=/run/pillars/etc/ucarp/up-20.pass',
      '--addr=198.51.100.1',
      '--advbase=1',
      '--advskew=100',
      '--deadratio=3',
      '--upscript=/run/pillars/etc/ucarp/up-20-up.sh',
      '--downscript=/run/pillars/etc/ucarp/up-20-down.sh',
      '--preempt',
      '--shutdown',
      '--xparam=up/20',
    ]);
    // Killed, ucarp runs no script: the supervisor runs the down script as ucarp would.
    expect(services[0]!.afterCrash).toEqual(['/run/pillars/etc/ucarp/up-20-down.sh', 'up', '198.51.100.1', 'up/20']);
    expect(services[1]!.command).not.toContain('--preempt');
    expect(services[1]!.command).toContain('--advbase=2');
    expect(services.flatMap((s) => s.command).join(' ')).not.toMatch(/secret/);
    expect(carpRole.checks(ctx)).toEqual([]);
  });

  it('renders a 0600 password file and 0755 up/down scripts that add/remove every VIP and report on the FIFO', () => {
    const files = new Map(carpRole.render(ctx).map((f) => [f.path, f]));
    const p = carpPaths(ctx, { interface: 'up', vhid: 20 });
    expect(files.get(p.passfile)).toEqual({ path: p.passfile, content: "it's secret\n", mode: 0o600 });
    const up = files.get(p.up)!;
    const down = files.get(p.down)!;
    expect(up.mode).toBe(0o755);
    expect(up.content.startsWith('#!/bin/sh\n')).toBe(true);
    expect(up.content).toContain('ip -4 addr replace 198.51.100.1/29 dev up');
    expect(up.content).toContain('ip -4 addr replace 198.51.100.4/29 dev up');
    expect(up.content).toContain(`printf '%s\\n' 'CARP "up/20" MASTER' 1<>"$FIFO"`);
    expect(down.content).toContain('ip -4 addr del 198.51.100.1/29 dev up');
    expect(down.content).toContain(`'CARP "up/20" BACKUP'`);
    expect(up.content).toContain('FIFO=/run/pillars/events.fifo\n');
  });

  it('carp sets non-local bind; no config, no files or services', () => {
    expect(carpRole.sysctls(ctx)).toEqual({ 'net.ipv4.ip_nonlocal_bind': '1' });
    const noCarp = contextFor(caseConfig('classic-nat-rr'), 'lvs1');
    expect(carpRole.render(noCarp)).toEqual([]);
    expect(carpRole.services(noCarp)).toEqual([]);
  });
});
