import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../../overlay/roles/keepalived/events.js';
import { eventEffects } from '../../../overlay/supervisor/role-events.js';

const fx = (line: string) => {
  const p = parseEventLine(line);
  if (!p.ok) throw new Error(p.error);
  return eventEffects(p.event);
};

describe('role daemon events → supervisor effects', () => {
  it('a VRRP transition: annotation, readiness, the console line the drill waits for', () => {
    expect(fx('INSTANCE "VI_WAN" MASTER 150')).toEqual({
      service: 'keepalived',
      ready: true,
      annotate: { key: 'vrrp.VI_WAN', value: 'MASTER' },
      console: 'pillars: vrrp VI_WAN MASTER (priority 150)',
    });
    expect(fx('INSTANCE "VI_WAN" MASTER 150').console).toMatch(/pillars: vrrp (\S+) (MASTER|BACKUP|FAULT|STOP)\b/);
  });

  it('STOP (a stopping keepalived, or the release after a crash) is shown but never counts as readiness', () => {
    expect(fx('INSTANCE "VI_WAN" STOP 150')).toMatchObject({
      ready: false,
      annotate: { key: 'vrrp.VI_WAN', value: 'STOP' },
      console: 'pillars: vrrp VI_WAN STOP (priority 150)',
    });
    expect(fx('GROUP "VG_1" STOP 0')).toMatchObject({ ready: false, annotate: { value: 'STOP' } });
  });

  it('sync groups, virtual and real servers, CARP', () => {
    expect(fx('GROUP "VG_1" BACKUP 0').annotate).toEqual({ key: 'vrrp-group.VG_1', value: 'BACKUP' });
    expect(fx('VS [192.0.2.10]:tcp:80 UP')).toMatchObject({
      service: 'keepalived',
      ready: false,
      console: 'pillars: lvs 192.0.2.10:80/tcp UP',
    });
    expect(fx('RS [10.0.0.11]:tcp:80 [192.0.2.10]:tcp:80 DOWN').console).toBe(
      'pillars: lvs 192.0.2.10:80/tcp real server 10.0.0.11:80/tcp DOWN',
    );
    expect(fx('CARP "lan/10" MASTER')).toMatchObject({
      service: 'ucarp-lan-10',
      ready: true,
      console: 'pillars: carp lan/10 MASTER',
    });
  });
});
