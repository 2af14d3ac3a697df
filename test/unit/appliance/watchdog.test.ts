/**
 * The supervisor's watchdog in the appliance layer, with the real service supervisor and fake
 * devices and time: armed by a config with admin.watchdog and fed on every tick while keepalived
 * runs; not fed once keepalived failed for good; fed through a clean shutdown and closed with the
 * magic character before the power goes; a device the box cannot arm is refused like any section
 * it cannot enforce; a reload re-arms only when the settings change, and a refused reload puts
 * the running config's settings back.
 */
import { describe, expect, it } from 'vitest';
import { configure } from '../../../overlay/appliance/configure.js';
import { createControl } from '../../../overlay/appliance/control.js';
import { reload, type ReloadDeps } from '../../../overlay/appliance/reload.js';
import { outcome, setup, starter, until } from './fakes.js';

const withWatchdog = (w: string) => starter.replace('admin:\n', `admin:\n  watchdog: ${w}\n`);

async function armed(w = '{ timeout: 15 }') {
  const t = setup();
  await configure(t.state, outcome(withWatchdog(w)), t.deps);
  await until(() => t.box.live('keepalived') !== undefined);
  t.state.services!.supervisor.markReady('keepalived');
  await until(() => t.state.announced);
  return t;
}

const pets = (events: string[]) => events.filter((e) => e === 'pet').length;

describe('watchdog (appliance layer)', () => {
  it('armed with the config, fed every tick while keepalived runs', async () => {
    const t = await armed();
    expect(t.watchdogs.summary()).toEqual(['open /dev/watchdog 15s', 'pet']);
    expect(t.lines).toContain(
      'pillars: watchdog armed: /dev/watchdog (i6300ESB timer), timeout 15s, fed while keepalived is up',
    );
    t.clock.advance(15_000);
    // One feed on arming, then every 1.5 s (a tenth of the timeout).
    expect(pets(t.watchdogs.events)).toBe(11);
    expect(t.watchdog.status()).toMatchObject({
      state: 'armed',
      timeoutS: 15,
      lastPet: 15_000,
      watched: ['keepalived'],
    });
    await t.state.services!.supervisor.shutdown();
  });

  it('keepalived failed for good: not fed, said once; the device then resets the box', async () => {
    const t = await armed();
    t.box.exit(t.box.live('keepalived')!.pid, 125);
    await until(() => t.state.services!.supervisor.status().services.some((s) => s.state === 'failed'));
    const before = pets(t.watchdogs.events);
    t.clock.advance(30_000);
    expect(pets(t.watchdogs.events)).toBe(before);
    const warnings = t.lines.filter((l) => l.includes('watchdog not fed'));
    expect(warnings).toEqual([
      'pillars: WARNING: watchdog not fed: keepalived failed (exit 125: permanent failure, not restarting), the supervisor gave up; /dev/watchdog resets the box within 15s',
    ]);
    expect(t.watchdog.line(30_000)).toMatch(/fed 30s ago, watching keepalived, NOT FED: keepalived failed/);
    await t.state.services!.supervisor.shutdown();
  });

  it('clean reboot: fed while the services stop, magic close before the power goes', async () => {
    const t = await armed();
    const did: string[] = [];
    const control = createControl(t.state, {
      host: {
        uptime: () => 5,
        power: async (kind) => void did.push(`${t.watchdogs.events.at(-1)} then ${kind}`),
      },
      services: { forget: async () => undefined },
      stick: {
        mountPoint: '/mnt/stick',
        mounted: () => false,
        load: async () => ({}) as never,
        save: async () => 0,
        lineage: async () => undefined,
        unmount: async () => undefined,
      },
      reload: undefined as never,
      confirm: undefined as never,
      sync: undefined as never,
      nodeStatus: { cluster: async () => ({}) as never, markManual: () => undefined },
      watchdog: t.watchdog,
    });
    t.watchdog.shutdown('stopping', 'test');
    t.box.exit(t.box.live('keepalived')!.pid, 125);
    await until(() => t.state.services!.supervisor.status().services.some((s) => s.state === 'failed'));
    const before = pets(t.watchdogs.events);
    t.clock.advance(3000);
    expect(pets(t.watchdogs.events)).toBe(before + 2);
    await control.shutdown('reboot', 'pillarsctl');
    expect(did).toEqual(['magic close /dev/watchdog then reboot']);
    t.clock.advance(60_000);
    expect(t.watchdogs.events.at(-1)).toBe('magic close /dev/watchdog');
    expect(t.lines).toContain('pillars: watchdog /dev/watchdog disarmed (clean reboot)');
    expect((control.statusJson() as { watchdog: unknown }).watchdog).toEqual({
      state: 'disarmed',
      device: '/dev/watchdog',
    });
    expect(control.statusText()).toMatch(/^watchdog {2}disarmed \(\/dev\/watchdog: clean shutdown\)$/m);
  });

  it('status shows it; off without admin.watchdog', async () => {
    const t = await armed();
    const control = createControl(t.state, {
      host: { uptime: () => 5, power: async () => undefined },
      services: { forget: async () => undefined },
      stick: undefined as never,
      reload: undefined as never,
      confirm: undefined as never,
      sync: undefined as never,
      nodeStatus: { cluster: async () => ({}) as never, markManual: () => undefined },
      watchdog: t.watchdog,
    });
    expect(control.statusText()).toMatch(
      /^watchdog {2}\/dev\/watchdog \(i6300ESB timer\), timeout 15s, fed \S+ ago, watching keepalived$/m,
    );
    await t.state.services!.supervisor.shutdown();
    const plain = setup();
    await configure(plain.state, outcome(), plain.deps);
    expect(plain.watchdogs.events).toEqual([]);
    expect(plain.watchdog.status()).toEqual({ state: 'off' });
    await plain.state.services!.supervisor.shutdown();
  });

  it('a device the box cannot arm: refused, the safe state says why', async () => {
    const t = setup();
    t.watchdogs.refuse = '/dev/watchdog1 does not exist (watchdogs on this box: watchdog0)';
    await configure(t.state, outcome(withWatchdog('{ device: /dev/watchdog1 }')), t.deps);
    expect(t.state.running).toBeUndefined();
    expect(t.box.events.filter((e) => e.startsWith('spawn'))).toEqual([]);
    expect(t.lines).toContain('pillars: UNCONFIGURED — this box cannot arm the watchdog /dev/watchdog1');
    expect(t.lines).toContain(
      'pillars:   admin.watchdog: /dev/watchdog1 does not exist (watchdogs on this box: watchdog0)',
    );
  });

  it('reload: same settings keep the device open; a new timeout re-arms; a refused reload puts the old one back', async () => {
    const t = await armed();
    const deps: ReloadDeps = {
      ...t.deps,
      stick: { load: async () => ({}) as never },
      node: 'lb1',
      reloaded: () => undefined,
      markManual: () => undefined,
    };
    t.knobs.configFile = withWatchdog('{ timeout: 15 }').replace('priority:', '# changed\n      priority:');
    await reload(t.state, '/tmp/a.yaml', deps);
    expect(t.watchdogs.summary()).toEqual(['open /dev/watchdog 15s', 'pet']);

    t.knobs.configFile = withWatchdog('{ timeout: 30 }');
    t.knobs.failCheck = 'keepalived -t';
    await expect(reload(t.state, '/tmp/b.yaml', deps)).rejects.toThrow('reload refused');
    expect(t.watchdogs.summary().slice(2)).toEqual([
      'magic close /dev/watchdog',
      'open /dev/watchdog 30s',
      'pet',
      'magic close /dev/watchdog',
      'open /dev/watchdog 15s',
      'pet',
    ]);

    t.knobs.failCheck = undefined;
    t.knobs.configFile = starter;
    await reload(t.state, '/tmp/c.yaml', deps);
    expect(t.watchdogs.events.at(-1)).toBe('magic close /dev/watchdog');
    expect(t.watchdog.status()).toEqual({ state: 'off' });
    await t.state.services!.supervisor.shutdown();
  });
});
