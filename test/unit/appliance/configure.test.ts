/**
 * The appliance's configured path over fake system interfaces and the real service supervisor:
 * roles applied phase by phase with no role named by the orchestrator, the network script run by
 * the network role's service only (and before the later phases' checkers), the admin role's
 * /etc/shadow edit, and the safe state on any failure with every started service stopped again.
 */
import { describe, expect, it } from 'vitest';
import { configure } from '../../../overlay/appliance/configure.js';
import { SAFE_TABLE } from '../../../overlay/supervisor/safe-state.js';
import { outcome, setup, starter, until } from './fakes.js';

describe('configure (appliance layer)', () => {
  it('network first, by its service only; the later checkers after it; then every service; ready', async () => {
    const t = setup();
    await configure(t.state, outcome(), t.deps);
    // keepalived reports itself up through the event FIFO (vrrp: readiness notify).
    await until(() => t.box.live('keepalived') !== undefined);
    t.state.services!.supervisor.markReady('keepalived');
    await until(() => t.state.announced);
    const ev = t.box.events;
    // The network script runs once, as the network role's oneshot, never through the checker runner.
    expect(ev.filter((e) => e === 'spawn network')).toHaveLength(1);
    expect(ev.filter((e) => e.startsWith('run ') && /network\.sh/.test(e))).toEqual([
      'run /usr/bin/busybox sh -n /run/pillars/etc/network.sh',
    ]);
    const at = (prefix: string) => ev.findIndex((e) => e.startsWith(prefix));
    expect(at('run /usr/bin/busybox sh -n')).toBeLessThan(at('spawn network'));
    expect(at('spawn network')).toBeLessThan(at('run keepalived -t'));
    // No later phase's service before its checkers passed.
    expect(at('run keepalived -t')).toBeLessThan(at('spawn nofirewall'));
    expect(at('spawn nofirewall')).toBeLessThan(at('spawn keepalived'));
    expect(t.lines).toContain('pillars: ready in 5.00s (node lb1, roles: network, vrrp, director)');
    expect(t.lines).toContain(
      'pillars: firewall: none configured (the config has no firewall section: no packet filter)',
    );
    expect(t.state.running?.outcome.nodeName).toBe('lb1');
    expect(t.configured).toEqual(['lb1']);
    // The admin role's edit: root locked, the other lines kept, private.
    expect(t.files.get('/etc/shadow')).toEqual({
      content: 'root:!:0:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
      mode: 0o600,
    });
    // The orchestrator loaded no ruleset of its own: the filter phase's oneshot does.
    expect(t.filter).toEqual([]);
    await t.state.services!.supervisor.shutdown();
  });

  it('a failed checker of a later phase: the safe state, the started services stopped, files back', async () => {
    const t = setup({ failCheck: 'keepalived -t' });
    await configure(t.state, outcome(), t.deps);
    expect(t.state.running).toBeUndefined();
    expect(t.state.unconfigured?.reason).toBe('the roles for node lb1 failed their checks');
    expect(t.filter).toHaveLength(1);
    expect(t.filter[0]).toContain(`table inet ${SAFE_TABLE}`);
    expect(t.lines).toContain('pillars: ready in 5.00s (UNCONFIGURED: safe state, no roles)');
    expect(t.box.live('netmon')).toBeUndefined();
    expect(t.box.events).not.toContain('spawn keepalived');
    expect(t.files.get('/etc/shadow')!.content).toBe('root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    expect(t.files.has('/run/pillars/etc/keepalived.conf')).toBe(false);
  });

  it("vrrp.bfd on a keepalived built without BFD: refused with the check's reason, keepalived never started", async () => {
    const t = setup({ failCheck: 'keepalived --version' });
    const withBfd = starter
      .replace('vrrp:\n  instances:\n', 'vrrp:\n  bfd: { interface: lan }\n  instances:\n')
      .replace('      instances: [VI_WAN, VI_LAN]\n', '      instances: [VI_WAN, VI_LAN]\n      track_bfd: true\n');
    expect(withBfd).toContain('track_bfd: true');
    await configure(t.state, outcome(withBfd), t.deps);
    expect(t.state.running).toBeUndefined();
    expect(t.state.unconfigured?.reason).toBe('the roles for node lb1 failed their checks');
    expect(t.state.unconfigured?.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^keepalived BFD support: \/bin\/sh -c keepalived --version .* failed \(exit 1\)/),
    ]);
    expect(t.box.events).not.toContain('spawn keepalived');
    expect(t.files.has('/run/pillars/etc/keepalived.conf')).toBe(false);
  });

  it('a failing network script: the safe state before any later checker runs', async () => {
    const t = setup({ networkExit: 2 });
    await configure(t.state, outcome(), t.deps);
    expect(t.state.unconfigured?.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^network: exit (code )?2/),
    ]);
    expect(t.box.events.some((e) => e.startsWith('run keepalived'))).toBe(false);
    expect(t.filter).toHaveLength(1);
    expect(t.box.live('netmon')).toBeUndefined();
  });
});
