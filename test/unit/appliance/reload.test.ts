/**
 * `pillarsctl reload` in the appliance layer: the new network script runs as the running
 * supervisor's network oneshot before the later phases' checkers; a refused reload leaves the
 * running config, its files and its services as they were (and its network converged back); an
 * accepted one swaps the services.
 */
import { describe, expect, it } from 'vitest';
import { configure } from '../../../overlay/appliance/configure.js';
import { reload, type ReloadDeps } from '../../../overlay/appliance/reload.js';
import { outcome, setup, starter, until } from './fakes.js';

const NETWORK_SH = '/run/pillars/etc/network.sh';
/** lb1's lan NIC swapped: the network script renames another NIC to lan. */
const moved = starter.replace('mac: "52:54:00:00:01:02"', 'mac: "52:54:00:00:01:0c"');

async function running(opts: Parameters<typeof setup>[0] = {}) {
  const t = setup(opts);
  await configure(t.state, outcome(), t.deps);
  await until(() => t.box.live('keepalived') !== undefined);
  t.state.services!.supervisor.markReady('keepalived');
  await until(() => t.state.announced);
  const reloaded: string[] = [];
  const deps: ReloadDeps = {
    ...t.deps,
    stick: { load: async () => ({}) as never },
    node: 'lb1',
    reloaded: (o) => void reloaded.push(o.nodeName),
    markManual: () => undefined,
  };
  return { ...t, reloadDeps: deps, reloaded };
}

describe('reload (appliance layer)', () => {
  it('refused by a checker: the running config, files and services stay; its network runs again', async () => {
    const t = await running();
    const before = t.files.get(NETWORK_SH)!.content;
    const keepalived = t.box.live('keepalived')!.pid;
    t.knobs.configFile = moved;
    t.knobs.failCheck = 'keepalived -t';
    await expect(reload(t.state, '/tmp/new.yaml', t.reloadDeps)).rejects.toThrow(
      'reload refused, the running config stays: the roles for node lb1 failed their checks',
    );
    // Boot, the new script before the checkers, the old one again after the refusal.
    expect(t.box.count('network')).toBe(3);
    const ev = t.box.events;
    const lastCheck = ev.lastIndexOf(ev.filter((e) => e.startsWith('run keepalived -t')).at(-1)!);
    expect(ev.filter((e, i) => e === 'spawn network' && i < lastCheck)).toHaveLength(2);
    expect(t.files.get(NETWORK_SH)!.content).toBe(before);
    expect(t.box.live('keepalived')!.pid).toBe(keepalived);
    expect(t.state.running?.outcome.body).toBe(starter);
    expect(t.reloaded).toEqual([]);
    await t.state.services!.supervisor.shutdown();
  });

  it('accepted, only the network changed: the network script ran again, every service runs on', async () => {
    const t = await running();
    const pids = new Map([...t.box.procs.values()].filter((p) => p.alive).map((p) => [p.name, p.pid]));
    const spawned = t.box.spawns.length;
    t.knobs.configFile = moved;
    expect(await reload(t.state, '/tmp/new.yaml', t.reloadDeps)).toEqual({ message: 'reloaded (generation 0)' });
    expect(t.files.get(NETWORK_SH)!.content).toContain('52:54:00:00:01:0c');
    // The network oneshot ran under the old supervisor (before the checkers); nothing else spawned.
    expect(t.box.spawns.slice(spawned)).toEqual(['network']);
    for (const [name, pid] of pids) expect(t.box.live(name)?.pid, name).toBe(pid);
    expect(t.box.leaderSignals).toEqual([]);
    const st = t.state.services!.supervisor.status().services;
    expect(st.find((s) => s.name === 'keepalived')).toMatchObject({ state: 'ready', pid: pids.get('keepalived') });
    expect(st.every((s) => s.state === 'ready' || s.state === 'done')).toBe(true);
    expect(t.state.running?.outcome.body).toBe(moved);
    expect(t.reloaded).toEqual(['lb1']);
    expect(t.lines.some((l) => /^pillars: reload: \d+ kept running$/.test(l))).toBe(true);
    await until(() => t.state.announced);
    expect(t.state.announced).toBe(true);
    await t.state.services!.supervisor.shutdown();
  });

  it('a changed real-server weight: the health checker re-reads its file on SIGHUP; VRRP is not touched', async () => {
    const t = await running();
    t.state.services!.supervisor.annotate('keepalived', 'vrrp.VI_WAN', 'MASTER');
    const pid = t.box.live('keepalived-lvs')!.pid;
    const vrrpPid = t.box.live('keepalived')!.pid;
    const vrrpConf = t.files.get('/run/pillars/etc/keepalived.conf')!.content;
    t.knobs.configFile = starter.replace(/weight: 1\b/, 'weight: 3');
    expect(t.knobs.configFile).not.toBe(starter);
    await reload(t.state, '/tmp/new.yaml', t.reloadDeps);
    expect(t.files.get('/run/pillars/etc/keepalived-lvs.conf')!.content).toMatch(/weight 3/);
    expect(t.files.get('/run/pillars/etc/keepalived.conf')!.content).toBe(vrrpConf);
    expect(t.box.live('keepalived-lvs')!.pid).toBe(pid);
    expect(t.box.live('keepalived')!.pid).toBe(vrrpPid);
    expect(t.box.leaderSignals).toEqual([{ pid, signal: 'SIGHUP' }]);
    expect(t.box.procs.get(pid)!.signals).toEqual([]);
    const ka = t.state.services!.supervisor.status().services.find((s) => s.name === 'keepalived')!;
    expect(ka.info['vrrp.VI_WAN']?.value).toBe('MASTER');
    expect(t.lines.filter((l) => l.startsWith('pillars: reload: '))).toEqual([
      expect.stringMatching(/^pillars: reload: \d+ kept running; reloaded in place: keepalived-lvs \(SIGHUP\)$/),
    ]);
    await t.state.services!.supervisor.shutdown();
  });

  it('a changed VRRP priority: the VRRP keepalived re-reads its file on SIGHUP; the health checker is not touched', async () => {
    const t = await running();
    const pid = t.box.live('keepalived')!.pid;
    const lvsPid = t.box.live('keepalived-lvs')!.pid;
    t.knobs.configFile = starter.replace('priority: { lb1: 150, lb2: 100 }', 'priority: { lb1: 90, lb2: 100 }');
    expect(t.knobs.configFile).not.toBe(starter);
    await reload(t.state, '/tmp/new.yaml', t.reloadDeps);
    expect(t.files.get('/run/pillars/etc/keepalived.conf')!.content).toMatch(/priority 90/);
    expect(t.box.live('keepalived')!.pid).toBe(pid);
    expect(t.box.live('keepalived-lvs')!.pid).toBe(lvsPid);
    expect(t.box.leaderSignals).toEqual([{ pid, signal: 'SIGHUP' }]);
    expect(t.lines.filter((l) => l.startsWith('pillars: reload: '))).toEqual([
      expect.stringMatching(/^pillars: reload: \d+ kept running; reloaded in place: keepalived \(SIGHUP\)$/),
    ]);
    await t.state.services!.supervisor.shutdown();
  });

  it('a section added: the new role starts, the role it replaces stops, the rest runs on', async () => {
    const t = await running();
    const pid = t.box.live('keepalived')!.pid;
    t.knobs.configFile = `${starter}\nfirewall:\n  input_policy: accept\n  forward_policy: accept\n  zones:\n    wan: { interfaces: [wan] }\n`;
    await reload(t.state, '/tmp/new.yaml', t.reloadDeps);
    const names = t.state.services!.supervisor.order();
    expect(names).toContain('firewall-load');
    expect(names).not.toContain('nofirewall');
    expect(t.box.live('keepalived')!.pid).toBe(pid);
    expect(t.lines.find((l) => l.startsWith('pillars: reload: '))).toMatch(
      /stopped: nofirewall; started: .*firewall-load/,
    );
    await t.state.services!.supervisor.shutdown();
  });

  it('an unchanged config is not applied again', async () => {
    const t = await running();
    t.knobs.configFile = starter;
    expect(await reload(t.state, '/tmp/same.yaml', t.reloadDeps)).toEqual({ message: 'config unchanged' });
    expect(t.box.count('network')).toBe(1);
    await t.state.services!.supervisor.shutdown();
  });
});
