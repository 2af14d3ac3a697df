/**
 * The watchdog's pet decision as a table (a healthy box is fed; a failover daemon the supervisor
 * gave up on, or one down past the grace, is not; a clean shutdown feeds while services stop and
 * then closes the device), which services it watches per config, how often it ticks, and the
 * status line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../overlay/config/index.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import {
  formatWatchdog,
  petDecision,
  petIntervalMs,
  watchdogSettings,
  watchedServices,
  type PetInput,
  type WatchedService,
} from '../../../overlay/supervisor/watchdog.js';

const S = 1000;
const up = (name: string, since = 0): WatchedService => ({ name, state: 'ready', since });
const base: PetInput = { shutdown: 'none', now: 600 * S, armedAt: 0, graceMs: 300 * S, watched: [] };

describe('petDecision', () => {
  const rows: Array<[string, Partial<PetInput>, ReturnType<typeof petDecision>]> = [
    ['nothing watched (a box without failover daemons): the loop runs, so feed', {}, { action: 'pet' }],
    ['every watched daemon up', { watched: [up('keepalived'), up('ucarp-lan-51')] }, { action: 'pet' }],
    [
      'a daemon the supervisor gave up on: hold at once',
      {
        watched: [
          up('keepalived'),
          { name: 'heartbeat', state: 'failed', since: 599 * S, reason: 'exit 125: permanent failure, not restarting' },
        ],
      },
      {
        action: 'hold',
        reason: 'heartbeat failed (exit 125: permanent failure, not restarting), the supervisor gave up',
      },
    ],
    [
      'crash loop shorter than the grace: feed (the supervisor restarts it)',
      { watched: [{ name: 'keepalived', state: 'backoff', since: 400 * S, reason: 'exit 1; restarting in 30s' }] },
      { action: 'pet' },
    ],
    [
      'stuck: not up for the whole grace',
      { watched: [{ name: 'keepalived', state: 'backoff', since: 300 * S, reason: 'exit 1; restarting in 30s' }] },
      { action: 'hold', reason: 'keepalived not up for 5m00s (backoff: exit 1; restarting in 30s)' },
    ],
    [
      'stuck waiting for a dependency',
      { watched: [{ name: 'keepalived', state: 'waiting-deps', since: 0 }] },
      { action: 'hold', reason: 'keepalived not up for 10m00s (waiting-deps)' },
    ],
    [
      'down since before the arming: the grace counts from the arming (a boot)',
      { armedAt: 500 * S, watched: [{ name: 'keepalived', state: 'started', since: 0 }] },
      { action: 'pet' },
    ],
    ['a oneshot counts as up when done', { watched: [{ name: 'x', state: 'done', since: 0 }] }, { action: 'pet' }],
    [
      'clean shutdown stopping the services: feed, they go down on purpose',
      { shutdown: 'stopping', watched: [{ name: 'keepalived', state: 'failed', since: 0 }] },
      { action: 'pet' },
    ],
    [
      'clean shutdown about to power off: magic close',
      { shutdown: 'final', watched: [up('keepalived')] },
      { action: 'close' },
    ],
  ];
  it.each(rows)('%s', (_, input, expected) => {
    expect(petDecision({ ...base, ...input })).toEqual(expected);
  });
});

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/render/configs', name), 'utf8');
const starter = (p: string) =>
  readFileSync(join(import.meta.dirname, '../../../profiles', `${p}.starter.yaml`), 'utf8');

function watchedOf(text: string, node?: string): string[] {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const nodeName = node ?? Object.keys(r.config.nodes)[0]!;
  const ctx = {
    config: r.config,
    nodeName,
    node: r.config.nodes[nodeName]!,
    etcDir: '/run/pillars/etc',
    eventFifo: '/run/pillars/events',
  };
  return watchedServices(planRoles(ctx, selectRoles(r.config).run));
}

describe('watchedServices: the failover daemons of the box', () => {
  it('director: keepalived (VRRP + LVS)', () => expect(watchedOf(starter('director'))).toEqual(['keepalived']));
  it('router over CARP: every ucarp', () =>
    expect(watchedOf(fixture('carp.yaml'))).toEqual(expect.arrayContaining([expect.stringMatching(/^ucarp/)])));
  it('heartbeat + director: heartbeat, not the checker-only keepalived', () =>
    expect(watchedOf(fixture('heartbeat-director.yaml'))).toEqual(['heartbeat']));
  it('realserver: none (the event loop only)', () => expect(watchedOf(starter('realserver'))).toEqual([]));
});

describe('settings, interval and status line', () => {
  it('admin.watchdog with its defaults; off without it', () => {
    const text = starter('director').replace('admin:\n', 'admin:\n  watchdog: {}\n');
    const r = loadConfig(text);
    expect(r.ok && watchdogSettings(r.config)).toEqual({ device: '/dev/watchdog', timeoutS: 60, graceMs: 300_000 });
    const off = loadConfig(starter('director'));
    expect(off.ok && watchdogSettings(off.config)).toBeUndefined();
  });

  it('ticks a tenth of the timeout, between 1 and 5 s', () => {
    expect([10, 15, 60, 600].map(petIntervalMs)).toEqual([1000, 1500, 5000, 5000]);
  });

  it('status line: device, timeout, last feed, what it watches; why it is not fed', () => {
    const w = {
      state: 'armed' as const,
      device: '/dev/watchdog',
      identity: 'i6300ESB timer',
      timeoutS: 15,
      lastPet: 10_000,
      watched: ['keepalived'],
    };
    expect(formatWatchdog(w, 12_500)).toBe(
      'watchdog  /dev/watchdog (i6300ESB timer), timeout 15s, fed 2s ago, watching keepalived',
    );
    expect(formatWatchdog({ ...w, state: 'holding', holding: 'keepalived failed' }, 12_500)).toMatch(
      /, NOT FED: keepalived failed$/,
    );
    expect(formatWatchdog({ state: 'off' }, 0)).toBe('watchdog  off');
    expect(formatWatchdog({ state: 'disarmed', device: '/dev/watchdog' }, 0)).toBe(
      'watchdog  disarmed (/dev/watchdog: clean shutdown)',
    );
  });
});
