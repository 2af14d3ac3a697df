import { describe, expect, it } from 'vitest';
import { formatDuration, formatStatus } from '../../../overlay/supervisor/status-format.js';
import type { ServiceStatus } from '../../../overlay/supervisor/supervisor.js';

const svc = (s: Partial<ServiceStatus> & Pick<ServiceStatus, 'name' | 'state'>): ServiceStatus => ({
  type: 'longrun',
  since: 0,
  restarts: 0,
  failures: 0,
  readiness: { kind: 'none', ready: false },
  adopted: false,
  dependsOn: [],
  info: {},
  ...s,
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [61_000, '1m01s'],
    [3_600_000 + 120_000, '1h02m'],
    [50 * 3_600_000, '2d02h'],
    [-5, '0s'],
  ])('%i ms → %s', (ms, s) => expect(formatDuration(ms)).toBe(s));
});

describe('formatStatus', () => {
  it('one aligned line per service', () => {
    const lines = formatStatus({
      at: 125_000,
      services: [
        svc({
          name: 'net',
          type: 'oneshot',
          state: 'done',
          since: 1000,
          lastExit: { code: 0, signal: null, at: 1000 },
        }),
        svc({
          name: 'keepalived',
          state: 'ready',
          since: 5000,
          pid: 301,
          restarts: 1,
          lastExit: { code: null, signal: 'SIGKILL', at: 4000 },
          info: { 'vrrp.VI_1': { value: 'MASTER', since: 6000 } },
        }),
        svc({
          name: 'director',
          state: 'backoff',
          since: 120_000,
          restarts: 3,
          nextStartAt: 129_000,
          reason: 'exit 1; restarting in 4.0s',
          lastExit: { code: 1, signal: null, at: 120_000 },
        }),
        svc({
          name: 'ssh',
          state: 'waiting-deps',
          since: 0,
          reason: 'waiting for net (failed: exit 125: permanent failure, not restarting)',
        }),
      ],
    });
    expect(lines).toEqual([
      'SERVICE     STATE         SINCE  DETAIL',
      'net         done          2m04s',
      'keepalived  ready         2m00s  pid 301, 1 restart, last killed by SIGKILL, vrrp.VI_1=MASTER for 1m59s',
      'director    backoff       5s     3 restarts, last exit 1, next try in 4s, exit 1; restarting in 4.0s',
      'ssh         waiting-deps  2m05s  waiting for net (failed: exit 125: permanent failure, not restarting)',
    ]);
  });
});
