/** A box for the appliance layer's tests: fake system interfaces around the real service supervisor. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigureDeps } from '../../../overlay/appliance/configure.js';
import { createApplianceState } from '../../../overlay/appliance/state.js';
import { loadConfig } from '../../../overlay/config/index.js';
import type { RoleSystem } from '../../../overlay/roles/index.js';
import type { ServiceSpec } from '../../../overlay/service/index.js';
import { checksumOf, type ConfigOutcome } from '../../../overlay/supervisor/config-source.js';
import { createSupervisor, systemClock } from '../../../overlay/supervisor/supervisor.js';
import { FakeProcesses, MemoryStore } from '../supervisor/fakes.js';

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
  };
  deps.runtime = deps.sys.services;
  return { box, files, filter, lines, state, deps, configured, knobs };
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
