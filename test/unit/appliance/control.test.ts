/**
 * The control requests in the appliance layer: save refuses without a running config or a
 * mounted stick and records the new generation; logs name the services there are; shutdown
 * stops the services, forgets their state, unmounts the stick and powers off, once.
 */
import { describe, expect, it } from 'vitest';
import { configure } from '../../../overlay/appliance/configure.js';
import type { Command, Request } from '../../../overlay/supervisor/control-protocol.js';
import { createConfigSync } from '../../../overlay/appliance/config-sync.js';
import { createControl } from '../../../overlay/appliance/control.js';
import type { Stick } from '../../../overlay/appliance/ports.js';
import { outcome, setup, until } from './fakes.js';

const req = (cmd: Command, args: Record<string, unknown> = {}): Request => ({ id: 1, cmd, args });

function withControl(t: ReturnType<typeof setup>, mounted = true) {
  const did: string[] = [];
  const stick: Stick = {
    mountPoint: '/mnt/stick',
    mounted: () => mounted,
    load: async () => ({}) as never,
    save: async (body) => {
      did.push(`save ${body.length}`);
      return 7;
    },
    lineage: async () => undefined,
    unmount: async () => void did.push('unmount'),
  };
  const sync = createConfigSync(t.state, {
    stick,
    link: {
      state: async () => ({ ok: false, reached: false, error: 'none' }),
      push: async () => ({ ok: false, reached: false, error: 'none' }),
    },
    macs: () => [],
    image: () => ({ profile: 'director', roles: ['vrrp', 'director'] }),
    nodeOverride: undefined,
  });
  const control = createControl(t.state, {
    host: { uptime: () => 5, power: async (kind) => void did.push(kind) },
    confirm: undefined as never,
    services: { forget: async () => void did.push('forget') },
    stick,
    reload: undefined as never,
    sync,
    nodeStatus: { cluster: async () => ({}) as never, markManual: () => undefined },
    watchdog: t.watchdog,
  });
  return { control, did };
}

describe('control (appliance layer)', () => {
  it('save: refused while unconfigured, else the next generation on the stick', async () => {
    const t = setup();
    const { control, did } = withControl(t);
    await expect(control.handle(req('save'))).rejects.toThrow('nothing to save: the appliance is unconfigured');
    await configure(t.state, outcome(), t.deps);
    expect(await control.handle(req('save'))).toEqual({
      message: 'saved as generation 7',
      generation: 7,
      written: true,
    });
    expect(t.state.running!.outcome.source.generation).toBe(7);
    expect(did).toEqual([`save ${t.state.running!.outcome.body.length}`]);
    await t.state.services!.supervisor.shutdown();
  });

  it('save without a mounted stick says where it looked', async () => {
    const t = setup();
    await configure(t.state, outcome(), t.deps);
    await expect(withControl(t, false).control.handle(req('save'))).rejects.toThrow('no stick mounted at /mnt/stick');
    await t.state.services!.supervisor.shutdown();
  });

  it('logs: the supervisor and every service by name; an unknown one lists them', async () => {
    const t = setup();
    await configure(t.state, outcome(), t.deps);
    const { control } = withControl(t);
    const sup = (await control.handle(req('logs', { service: 'supervisor' }))) as {
      lines: { text: string }[];
    };
    expect(sup.lines.map((l) => l.text)).toContain('pillars: boot: ✓ set hostname to lb1');
    await expect(control.handle(req('logs', { service: 'nope' }))).rejects.toThrow('no service nope');
    await t.state.services!.supervisor.shutdown();
  });

  it('shutdown: services stopped, state forgotten, stick unmounted, power off; a second request does nothing', async () => {
    const t = setup();
    await configure(t.state, outcome(), t.deps);
    await until(() => t.box.live('keepalived') !== undefined);
    const { control, did } = withControl(t);
    await control.shutdown('poweroff', 'test');
    await control.shutdown('poweroff', 'again');
    expect(did).toEqual(['forget', 'unmount', 'poweroff']);
    expect(t.box.live('keepalived')).toBeUndefined();
    expect(t.lines).toContain('pillars: poweroff requested (test): stopping services in reverse order');
  });
});
