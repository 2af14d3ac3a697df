import { describe, expect, it } from 'vitest';
import {
  carpEventLine,
  eventService,
  parseEventLine,
  splitEventLines,
  type PillarsEvent,
} from '../../../overlay/roles/keepalived/events.js';

const good: [string, PillarsEvent][] = [
  [
    'INSTANCE "VI_1" MASTER 150',
    { source: 'keepalived', type: 'instance', name: 'VI_1', state: 'MASTER', priority: 150 },
  ],
  [
    'INSTANCE "VI_GW" BACKUP 100\n',
    { source: 'keepalived', type: 'instance', name: 'VI_GW', state: 'BACKUP', priority: 100 },
  ],
  ['INSTANCE "VI_1" FAULT 0', { source: 'keepalived', type: 'instance', name: 'VI_1', state: 'FAULT', priority: 0 }],
  ['INSTANCE "VI_1" STOP 150', { source: 'keepalived', type: 'instance', name: 'VI_1', state: 'STOP', priority: 150 }],
  [
    'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150',
    { source: 'keepalived', type: 'instance-priority', name: 'VI_1', event: 'MASTER_RX_LOWER_PRI', priority: 150 },
  ],
  [
    'INSTANCE "VI_1" BACKUP_PRIORITY 90',
    { source: 'keepalived', type: 'instance-priority', name: 'VI_1', event: 'BACKUP_PRIORITY', priority: 90 },
  ],
  ['GROUP "VG_1" BACKUP 0', { source: 'keepalived', type: 'group', name: 'VG_1', state: 'BACKUP' }],
  ['GROUP "VG_1" MASTER', { source: 'keepalived', type: 'group', name: 'VG_1', state: 'MASTER' }],
  [
    'VS [192.0.2.10]:tcp:80 UP',
    {
      source: 'keepalived',
      type: 'virtual-server',
      service: { kind: 'ip', address: '192.0.2.10', protocol: 'tcp', port: 80 },
      up: true,
    },
  ],
  [
    'VS [2001:db8::10]:udp:53 DOWN',
    {
      source: 'keepalived',
      type: 'virtual-server',
      service: { kind: 'ip', address: '2001:db8::10', protocol: 'udp', port: 53 },
      up: false,
    },
  ],
  ['VS FWM 1 DOWN', { source: 'keepalived', type: 'virtual-server', service: { kind: 'fwmark', mark: 1 }, up: false }],
  [
    'RS [10.0.0.11]:tcp:80 [192.0.2.10]:tcp:80 DOWN',
    {
      source: 'keepalived',
      type: 'real-server',
      server: { kind: 'ip', address: '10.0.0.11', protocol: 'tcp', port: 80 },
      service: { kind: 'ip', address: '192.0.2.10', protocol: 'tcp', port: 80 },
      up: false,
    },
  ],
  [
    'RS [192.0.2.21]:tcp:0 FWM 1 UP',
    {
      source: 'keepalived',
      type: 'real-server',
      server: { kind: 'ip', address: '192.0.2.21', protocol: 'tcp', port: 0 },
      service: { kind: 'fwmark', mark: 1 },
      up: true,
    },
  ],
  ['CARP "lan/10" MASTER', { source: 'ucarp', type: 'carp', interface: 'lan', vhid: 10, state: 'MASTER' }],
  ['CARP "down/255" BACKUP', { source: 'ucarp', type: 'carp', interface: 'down', vhid: 255, state: 'BACKUP' }],
  ['HEARTBEAT "web" ACQUIRED', { source: 'heartbeat', type: 'heartbeat-group', name: 'web', state: 'ACQUIRED' }],
  ['HEARTBEAT "line1" RELEASED', { source: 'heartbeat', type: 'heartbeat-group', name: 'line1', state: 'RELEASED' }],
  [
    'DRBD "r0" Primary UpToDate/UpToDate',
    { source: 'drbd', type: 'drbd', resource: 'r0', state: 'Primary UpToDate/UpToDate' },
  ],
];

const bad: [string, RegExp][] = [
  ['', /not an event line/],
  ['hello world', /not an event line/],
  ['INSTANCE "VI_1" MASTER', /without a priority/],
  ['INSTANCE "VI_1" SLEEPING 100', /unknown instance state SLEEPING/],
  ['GROUP "VG" WEIRD 0', /unknown sync group state/],
  ['VS 192.0.2.10:80 UP', /without a service address/],
  ['VS [192.0.2.10]:tcp:80 MAYBE', /UP or DOWN/],
  ['VS FWM x UP', /without a service address/],
  ['RS [10.0.0.11]:tcp:80 UP', /without a service address/],
  ['RS [10.0.0.11]:tcp:80 [192.0.2.10]:tcp:80 UP extra', /UP or DOWN/],
  ['CARP "lan" MASTER', /not interface\/vhid/],
  ['CARP "lan/10" FAULT', /unknown CARP state/],
];

describe('parseEventLine', () => {
  it.each(good)('%j', (line, event) => {
    expect(parseEventLine(line)).toEqual({ ok: true, event });
  });
  it.each(bad)('rejects %j', (line, error) => {
    const r = parseEventLine(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
  it('reads what the ucarp scripts write', () => {
    expect(parseEventLine(carpEventLine('up', 20, 'MASTER'))).toEqual({
      ok: true,
      event: { source: 'ucarp', type: 'carp', interface: 'up', vhid: 20, state: 'MASTER' },
    });
  });
});

describe('splitEventLines', () => {
  it('keeps an incomplete tail for the next read', () => {
    expect(splitEventLines('INSTANCE "A" MASTER 1\nGROUP "G" MAS')).toEqual({
      lines: ['INSTANCE "A" MASTER 1'],
      rest: 'GROUP "G" MAS',
    });
    expect(splitEventLines('VS FWM 1 UP\n\n')).toEqual({ lines: ['VS FWM 1 UP'], rest: '' });
  });
});

describe('eventService', () => {
  it('names the service an event comes from', () => {
    const k = parseEventLine('INSTANCE "VI_1" MASTER 150');
    const c = parseEventLine('CARP "lan/10" MASTER');
    expect(k.ok && eventService(k.event)).toBe('keepalived');
    expect(c.ok && eventService(c.event)).toBe('ucarp-lan-10');
  });
  it('a health check event comes from keepalived-lvs where keepalived runs split, else from keepalived', () => {
    const rs = parseEventLine('RS [192.0.2.21]:tcp:80 [192.0.2.10]:tcp:80 DOWN');
    const vs = parseEventLine('VS [192.0.2.10]:tcp:80 UP');
    const inst = parseEventLine('INSTANCE "VI_1" MASTER 150');
    const split = ['keepalived', 'keepalived-lvs'];
    expect(rs.ok && eventService(rs.event, split)).toBe('keepalived-lvs');
    expect(vs.ok && eventService(vs.event, split)).toBe('keepalived-lvs');
    expect(inst.ok && eventService(inst.event, split)).toBe('keepalived');
    expect(rs.ok && eventService(rs.event, ['keepalived'])).toBe('keepalived');
  });
});
