import { describe, expect, it } from 'vitest';
import { bootTimeline, formatTimeline, medianTimeline } from '../../../bench/timeline.js';

const console1 = [
  { t: 9000, text: 'pillars: boot: ✓ mount proc on /proc (10 ms)' },
  { t: 9000, text: 'pillars: boot: ✓ load kernel modules for the present hardware (1500 ms)' },
  { t: 9001, text: 'pillars: debug: timeline: /init 1.20s, node 1.30s, supervisor 2.50s, early boot done 4.02s' },
  { t: 9100, text: 'pillars: firewall closed (all traffic dropped except loopback) until the config is applied' },
  { t: 9600, text: 'pillars: config from usb-sata: /dev/sda (usb, vfat, label PILLARS, 8.0 MiB), generation 1' },
  { t: 9900, text: 'pillars: debug: link phase up: network, netmon' },
  { t: 10000, text: 'pillars: debug: applying the other phases' },
  { t: 11000, text: 'pillars: ready in 6.00s (node node1, roles: network, vrrp, director)' },
];

describe('boot timeline', () => {
  it('places every milestone on the kernel clock, in boot order', () => {
    expect(bootTimeline(console1)).toEqual([
      { name: 'kernel → /init', at: 1.2 },
      { name: 'node started', at: 1.3 },
      { name: 'supervisor main (bundle loaded)', at: 2.5 },
      { name: 'early boot: mount proc on /proc', at: 2.51 },
      { name: 'early boot: load kernel modules for the present hardware', at: 4.01 },
      { name: 'firewall closed (safe state first)', at: 4.1 },
      { name: 'config found and validated', at: 4.6 },
      { name: 'link phase up (network)', at: 4.9 },
      { name: 'other phases checked and applied', at: 5 },
      { name: 'ready', at: 6 },
    ]);
  });

  it('takes the median per milestone and prints the deltas', () => {
    const a = [{ name: 'ready', at: 6 }];
    const m = medianTimeline([a, [{ name: 'ready', at: 8 }], [{ name: 'ready', at: 7 }]]);
    expect(m).toEqual([{ name: 'ready', at: 7, n: 3 }]);
    expect(
      formatTimeline([
        { name: 'x', at: 1 },
        { name: 'ready', at: 2.5 },
      ]),
    ).toEqual(['  1.00 s  (+1.00)  x', '  2.50 s  (+1.50)  ready']);
  });

  it('refuses a console without the ready line', () => {
    expect(() => bootTimeline(console1.slice(0, 3))).toThrow(/no ready line/);
  });
});
