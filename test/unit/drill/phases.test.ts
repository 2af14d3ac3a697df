import { describe, expect, it } from 'vitest';
import { takeoverPhases } from '../../../builder/drill/phases.js';

const START = 1_700_000_000_000;
/** Console lines at ms since the VM started, as the lab records them. */
const at = (t: number, text: string) => ({ t, text });

describe('takeover phases from the new master console', () => {
  const fault = START + 50_000;

  it('keepalived: detection is the first advert timeout after the fault, VIPs up is "setting VIPs"', () => {
    const lines = [
      at(40_000, 'Keepalived_vrrp[311]: (VI_LAN) Receive advertisement timeout'), // an earlier takeover
      at(40_001, 'Keepalived_vrrp[311]: (VI_LAN) setting VIPs.'),
      at(50_352.4, 'Keepalived_vrrp[311]: (VI_INTERNAL) Receive advertisement timeout'),
      at(50_353, 'Keepalived_vrrp[311]: VRRP_Group(VG_LAB) Syncing instances to MASTER state'),
      at(50_355, 'Keepalived_vrrp[311]: (VI_LAN) Entering MASTER STATE'),
      at(50_357.6, 'Keepalived_vrrp[311]: (VI_LAN) setting VIPs.'),
      at(50_360, 'pillars: vrrp VI_LAN MASTER (priority 100)'),
    ];
    expect(takeoverPhases(lines, START, fault, 'vrrp', 'VI_LAN')).toEqual({ detect_ms: 352, vip_up_ms: 358 });
  });

  it('keepalived: a priority-0 advert has no timeout line; entering MASTER is the detection', () => {
    const lines = [
      at(50_061, 'Keepalived_vrrp[311]: (VI_LAN) Backup received priority 0 advertisement'),
      at(50_120, 'Keepalived_vrrp[311]: (VI_LAN) Entering MASTER STATE'),
      at(50_121, 'Keepalived_vrrp[311]: (VI_LAN) setting VIPs.'),
    ];
    expect(takeoverPhases(lines, START, fault, 'vrrp', 'VI_LAN')).toEqual({ detect_ms: 120, vip_up_ms: 121 });
  });

  it('ucarp: "Switching to state: MASTER", then the up script reports the VIPs on', () => {
    const lines = [
      at(52_700, 'ucarp[402]: [WARNING] Switching to state: MASTER'),
      at(52_710, 'ucarp[402]: [WARNING] Spawning [/etc/pillars/carp-lan-51-up.sh eth0 192.0.2.1]'),
      at(52_790, 'pillars: carp lan/51 MASTER'),
      at(52_791, 'pillars: carp lan/510 MASTER'),
    ];
    expect(takeoverPhases(lines, START, fault, 'carp', 'lan/51')).toEqual({ detect_ms: 2700, vip_up_ms: 2790 });
  });

  it('leaves out what the console never showed, and never matches another instance by prefix', () => {
    const lines = [at(50_300, 'Keepalived_vrrp[311]: (VI_LANX) setting VIPs.')];
    expect(takeoverPhases(lines, START, fault, 'vrrp', 'VI_LAN')).toEqual({});
  });
});
