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

  it('accepted: the new files, the old services stopped, the new ones started', async () => {
    const t = await running();
    const old = t.box.live('keepalived')!.pid;
    t.knobs.configFile = moved;
    expect(await reload(t.state, '/tmp/new.yaml', t.reloadDeps)).toEqual({ message: 'reloaded (generation 0)' });
    expect(t.files.get(NETWORK_SH)!.content).toContain('52:54:00:00:01:0c');
    expect(t.box.live('keepalived')?.pid).not.toBe(old);
    expect(t.box.procs.get(old)!.alive).toBe(false);
    expect(t.state.running?.outcome.body).toBe(moved);
    expect(t.reloaded).toEqual(['lb1']);
    expect(t.lines).toContain('pillars: reload: stopping the services of the previous config');
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
