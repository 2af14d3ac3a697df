/** A box for the appliance layer's tests: fake system interfaces around the real service supervisor. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigureDeps } from '../../../overlay/appliance/configure.js';
import type { OpenWatchdog, WatchdogDevices } from '../../../overlay/appliance/ports.js';
import { createApplianceState } from '../../../overlay/appliance/state.js';
import { createWatchdog } from '../../../overlay/appliance/watchdog.js';
import { loadConfig } from '../../../overlay/config/index.js';
import type { RoleSystem } from '../../../overlay/roles/index.js';
import type { ServiceSpec } from '../../../overlay/service/index.js';
import { checksumOf, type ConfigOutcome } from '../../../overlay/supervisor/config-source.js';
import { createSupervisor, systemClock } from '../../../overlay/supervisor/supervisor.js';
import { FakeClock, FakeProcesses, MemoryStore } from '../supervisor/fakes.js';

export const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');

/** Oneshots exit by themselves (0, or the code the test sets); everything is logged in order. */
export class Box extends FakeProcesses {
  events: string[] = [];
  exitCode = new Map<string, number>();
  override spawn(spec: ServiceSpec, io: Parameters<FakeProcesses['spawn']>[1]) {
    const p = super.spawn(spec, io);
    this.events.push(`spawn ${spec.name}`);
    if (spec.type === 'oneshot') setTimeout(() => this.exit(p.pid, this.exitCode.get(spec.name) ?? 0), 1);
    return p;
  }
}

/** Watchdog devices that record what is done to them: `open /dev/watchdog 60s`, `pet`, `magic close`. */
export class FakeWatchdogs implements WatchdogDevices {
  events: string[] = [];
  /** open() throws this. */
  refuse: string | undefined;
  resetByWatchdog = false;
  async open(device: string, timeoutS: number): Promise<OpenWatchdog> {
    if (this.refuse) throw new Error(this.refuse);
    this.events.push(`open ${device} ${timeoutS}s`);
    return {
      identity: 'i6300ESB timer',
      timeoutS,
      resetByWatchdog: this.resetByWatchdog,
      pet: () => void this.events.push('pet'),
      close: () => void this.events.push(`magic close ${device}`),
    };
  }
  /** What happened, with runs of pets folded into one. */
  summary(): string[] {
    return this.events.filter((e, i) => e !== 'pet' || this.events[i - 1] !== 'pet');
  }
}

export function setup(opts: { failCheck?: string; networkExit?: number } = {}) {
  const box = new Box();
  /** What the test may change as it goes. */
  const knobs = { failCheck: opts.failCheck, configFile: '' };
  if (opts.networkExit !== undefined) box.exitCode.set('network', opts.networkExit);
  const files = new Map<string, { content: string; mode: number }>([
    ['/etc/shadow', { content: 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n', mode: 0o640 }],
  ]);
  const filter: string[] = [];
  const lines: string[] = [];
  const roles: RoleSystem = {
    writeFile: async (path, content, mode) => void files.set(path, { content, mode }),
    readFile: async (path) => files.get(path),
    removeFile: async (path) => void files.delete(path),
    writeSysctl: async () => undefined,
    run: async (argv) => {
      box.events.push(`run ${argv.join(' ')}`);
      return { code: knobs.failCheck && argv.join(' ').includes(knobs.failCheck) ? 1 : 0, output: 'bad' };
    },
  };
  const state = createApplianceState({ console: (l) => lines.push(l), debug: false });
  const configured: string[] = [];
  const watchdogs = new FakeWatchdogs();
  const clock = new FakeClock();
  const watchdog = createWatchdog({
    devices: watchdogs,
    clock,
    say: state.say,
    services: () => state.services?.supervisor.status().services,
  });
  const deps: ConfigureDeps = {
    sys: {
      host: {
        uptime: () => 5,
        setHostname: () => undefined,
        image: () => ({ profile: 'director', roles: ['firewall', 'vrrp', 'director'] }),
        macs: () => [],
        readFile: async () => knobs.configFile,
        power: async () => undefined,
      },
      filter: { load: async (ruleset) => void filter.push(ruleset) },
      roles,
      services: {
        create: (specs, inherit) => ({
          supervisor: createSupervisor([...specs], {
            clock: systemClock,
            processes: box,
            store: new MemoryStore(),
            ...(inherit ? { inherit } : {}),
          }),
          stopTailing: () => undefined,
        }),
        forget: async () => undefined,
        listen: async () => undefined,
      },
    },
    serialBusy: false,
    runtime: undefined as never,
    uptime: () => 5,
    onEvent: () => undefined,
    configured: (o) => void configured.push(o.nodeName),
    watchdog,
  };
  deps.runtime = deps.sys.services;
  return { box, files, filter, lines, state, deps, configured, knobs, watchdogs, watchdog, clock };
}

export function outcome(text = starter): ConfigOutcome {
  const r = loadConfig(text);
  if (!r.ok) throw new Error('starter does not validate');
  return {
    ok: true,
    config: r.config,
    body: text,
    nodeName: 'lb1',
    node: r.config.nodes.lb1!,
    how: 'pillars.node=lb1',
    source: { provider: 'usb-sata', device: '/dev/sda1', generation: 1, checksum: checksumOf(text), handEdited: false },
  };
}

export const until = async (cond: () => boolean, ms = 5000) => {
  for (let t = 0; t < ms && !cond(); t += 5) await new Promise((r) => setTimeout(r, 5));
};
