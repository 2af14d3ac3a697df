import { describe, expect, it } from 'vitest';
import { probeUrl, serviceUrl } from '../../../builder/drill/drill.js';
import { LAB_ADDRESSES, labConfig } from '../../../builder/drill/lab-config.js';
import { loadConfig } from '../../../overlay/config/load.js';

describe('what the drill client asks', () => {
  it('through the router pair: a server on internal, the lan VIP as gateway (the first forwarded packet)', () => {
    expect(probeUrl('router')).toBe(`http://${LAB_ADDRESSES.backend(0)}/`);
    // ... and the lab router forwards: the stick config turns routing on.
    const r = loadConfig(labConfig({ profile: 'router', timers: 'default' }));
    expect(r.ok && r.config.sysctl?.['net.ipv4.ip_forward']).toBeTruthy();
  });

  it('over CARP the box itself (ucarp has no sync group to move the way back)', () => {
    expect(probeUrl('router', 'carp')).toBe(serviceUrl('router'));
    expect(serviceUrl('router')).toBe(`http://${LAB_ADDRESSES.lanVip}:8080/node`);
  });

  it('through the director VIP and the firewall port forward, as before', () => {
    expect(probeUrl('director')).toBe(`http://${LAB_ADDRESSES.lanVip}/`);
    expect(probeUrl('firewall')).toBe(serviceUrl('firewall'));
  });
});
