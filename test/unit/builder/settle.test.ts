import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../overlay/config/load.js';
import { labConfig, type Timers } from '../../../builder/drill/lab-config.js';
import { masterDownMs, MIN_QUIET_MS, settleQuietMs } from '../../../builder/drill/settle.js';

function lab(timers: Timers, failover: 'vrrp' | 'carp' = 'vrrp') {
  const r = loadConfig(labConfig({ profile: 'router', timers, failover }));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

describe('the drill waits out a restored node before it picks the master', () => {
  it('stock keepalived (1 s adverts, backup priority 100) can take MASTER back 3.6 s after it booted', () => {
    expect(masterDownMs(lab('stock'))).toBe(3609);
    // The fixed 3 s window was shorter than that: the drill faulted a master about to step down.
    expect(settleQuietMs(lab('stock'))).toBeGreaterThan(2 * 3600);
  });

  it('stock ucarp waits deadratio advbases plus its skew; our CARP settings one advbase less', () => {
    expect(masterDownMs(lab('stock', 'carp'))).toBe(3391);
    expect(masterDownMs(lab('default', 'carp'))).toBe(2078);
    expect(settleQuietMs(lab('default', 'carp'))).toBe(4156);
  });

  it('the default and fast VRRP timers keep the 3 s floor', () => {
    expect(masterDownMs(lab('default'))).toBe(361);
    expect(masterDownMs(lab('fast'))).toBe(72);
    expect(settleQuietMs(lab('default'))).toBe(MIN_QUIET_MS);
    expect(settleQuietMs(lab('fast'))).toBe(MIN_QUIET_MS);
  });

  it('a config without failover instances keeps the floor', () => {
    expect(masterDownMs({})).toBe(0);
    expect(settleQuietMs({})).toBe(MIN_QUIET_MS);
  });
});
