/**
 * What a reload does to each service (keep, signal, restart, stop, start), as a table over the
 * running plan and the new one; then the same over real role plans of the director starter.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeReload, planReload } from '../../../overlay/appliance/reload-plan.js';
import { loadConfig } from '../../../overlay/config/index.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import { defineService, type ServiceSpec } from '../../../overlay/service/index.js';
import { contextFor } from '../../fixtures/render/cases.js';

const ka = defineService({ name: 'ka', command: ['keepalived', '-f', 'k.conf'], reloadSignal: 'SIGHUP' });
const fw = defineService({ name: 'fw', type: 'oneshot', command: ['nft', '-f', 'fw.nft'] });
const net = defineService({ name: 'net', type: 'oneshot', command: ['sh', 'net.sh'] });
const plan = (services: ServiceSpec[], inputs: Record<string, string>) => ({ services, inputs });

describe('planReload', () => {
  const cases: {
    what: string;
    next: ServiceSpec[];
    inputs: Record<string, string>;
    want: Partial<ReturnType<typeof planReload>>;
  }[] = [
    {
      what: 'nothing changed',
      next: [net, fw, ka],
      inputs: { net: 'n', fw: 'f', ka: 'k' },
      want: { keep: ['net', 'fw', 'ka'] },
    },
    {
      what: "keepalived's file changed: SIGHUP",
      next: [net, fw, ka],
      inputs: { net: 'n', fw: 'f', ka: 'k2' },
      want: { keep: ['net', 'fw'], signal: [{ name: 'ka', signal: 'SIGHUP' }] },
    },
    {
      what: 'the ruleset changed: its oneshot runs again',
      next: [net, fw, ka],
      inputs: { net: 'n', fw: 'f2', ka: 'k' },
      want: { keep: ['net', 'ka'], restart: ['fw'] },
    },
    {
      what: 'the network changed: converged already, kept',
      next: [net, fw, ka],
      inputs: { net: 'n2', fw: 'f', ka: 'k' },
      want: { keep: ['net', 'fw', 'ka'] },
    },
    {
      what: "keepalived's command changed: restart, even with a reload signal",
      next: [net, fw, { ...ka, command: ['keepalived', '--vrrp', '-f', 'k.conf'] }],
      inputs: { net: 'n', fw: 'f', ka: 'k2' },
      want: { keep: ['net', 'fw'], restart: ['ka'] },
    },
    {
      what: 'only dependencies and description changed: kept',
      next: [net, { ...fw, dependsOn: ['net'], description: 'ruleset' }, ka],
      inputs: { net: 'n', fw: 'f', ka: 'k' },
      want: { keep: ['net', 'fw', 'ka'] },
    },
    {
      what: 'a service left, another came',
      next: [net, ka, defineService({ name: 'conntrackd', command: ['conntrackd'] })],
      inputs: { net: 'n', ka: 'k', conntrackd: 'c' },
      want: { keep: ['net', 'ka'], stop: ['fw'], start: ['conntrackd'] },
    },
    {
      what: 'no fingerprint to compare with: restart (never keep blind)',
      next: [net, fw, ka],
      inputs: {},
      want: { keep: ['net'], signal: [{ name: 'ka', signal: 'SIGHUP' }], restart: ['fw'] },
    },
  ];
  for (const c of cases)
    it(c.what, () => {
      const r = planReload(plan([net, fw, ka], { net: 'n', fw: 'f', ka: 'k' }), plan(c.next, c.inputs), ['net']);
      expect(r).toEqual({ keep: [], signal: [], restart: [], stop: [], start: [], ...c.want });
    });

  it('says what it does in one line', () => {
    expect(
      describeReload({
        keep: ['a', 'b'],
        signal: [{ name: 'ka', signal: 'SIGHUP' }],
        restart: ['fw'],
        stop: [],
        start: ['x'],
      }),
    ).toBe('2 kept running; reloaded in place: ka (SIGHUP); restarted: fw; started: x');
    expect(describeReload({ keep: [], signal: [], restart: [], stop: [], start: [] })).toBe('nothing to change');
  });
});

describe('planReload over the director starter', () => {
  const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');
  const plansOf = (text: string) => {
    const r = loadConfig(text);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return planRoles(contextFor(r.config, 'lb1'), selectRoles(r.config).run);
  };
  const base = plansOf(starter);
  const changes = (text: string) => planReload(base, plansOf(text), ['network']);
  const all = base.services.map((s) => s.name);

  it('a comment: every service kept', () => {
    expect(changes(`${starter}\n# a comment\n`)).toMatchObject({ keep: all, signal: [], restart: [] });
  });
  it('a real-server weight: only the health checker (keepalived-lvs) gets SIGHUP; VRRP is kept', () => {
    const text = starter.replace(/weight: 1\b/, 'weight: 5');
    expect(text).not.toBe(starter);
    const c = changes(text);
    expect(c.signal).toEqual([{ name: 'keepalived-lvs', signal: 'SIGHUP' }]);
    expect(c.keep).toEqual(all.filter((n) => n !== 'keepalived-lvs'));
  });
  it('a VRRP priority: only the VRRP keepalived gets SIGHUP; the health checker is kept', () => {
    const text = starter.replace('priority: { lb1: 150, lb2: 100 }', 'priority: { lb1: 90, lb2: 100 }');
    expect(text).not.toBe(starter);
    const c = changes(text);
    expect(c.signal).toEqual([{ name: 'keepalived', signal: 'SIGHUP' }]);
    expect(c.keep).toEqual(all.filter((n) => n !== 'keepalived'));
  });
  it('an added address of the node: the network converges, nothing restarts', () => {
    const c = changes(starter.replace('addresses: [10.0.0.2/24]', 'addresses: [10.0.0.2/24, 10.0.0.5/24]'));
    expect(c.restart).toEqual([]);
    expect(c.keep).toContain('network');
    expect(c.keep).toContain('netmon');
  });
});
