import { describe, expect, it } from 'vitest';
import {
  clusterSection,
  groupHoldings,
  heartbeatRuns,
  parseProcDrbd,
  readCluster,
} from '../../../overlay/pillarsctl/cluster.js';

const PROC_DRBD = `version: 8.4.11 (api:1/proto:86-101)
srcversion: 8B5E4C1B7A2E3A5D6C7F8E9
 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----
    ns:1048 nr:0 dw:1048 dr:2160 al:3 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
`;

const status = {
  config: { roles: ['network', 'heartbeat'], node: 'ha1' },
  services: [
    { name: 'heartbeat', info: { 'heartbeat.web': { value: 'HELD', since: Date.UTC(2026, 0, 1, 12, 0, 0) } } },
  ],
};

describe('pillarsctl status: heartbeat', () => {
  it('reads DRBD 8.4 state from /proc/drbd', () => {
    expect(parseProcDrbd(PROC_DRBD)).toEqual([
      { minor: 0, connection: 'Connected', roles: 'Primary/Secondary', disks: 'UpToDate/UpToDate' },
    ]);
  });
  it('knows which groups this node holds since when', () => {
    expect(heartbeatRuns(status)).toBe(true);
    expect(groupHoldings(status)).toEqual([{ group: 'web', state: 'HELD', since: Date.UTC(2026, 0, 1, 12, 0, 0) }]);
  });
  it('shows peers, every medium, DRBD, from cl_status and /proc/drbd', async () => {
    const answers: Record<string, string> = {
      listnodes: 'ha1\nha2\n192.0.2.1\n',
      'nodetype ha1': 'normal',
      'nodetype ha2': 'normal',
      'nodetype 192.0.2.1': 'ping',
      'nodestatus ha1': 'active',
      'nodestatus ha2': 'active',
      'listhblinks ha1': '\tlan\n\t/dev/ttyS1\n',
      'listhblinks ha2': '\tlan\n\t/dev/ttyS1\n',
      'hblinkstatus ha2 lan': 'dead',
      'hblinkstatus ha2 /dev/ttyS1': 'up',
      'hblinkstatus ha1 lan': 'up',
      'hblinkstatus ha1 /dev/ttyS1': 'up',
    };
    const run = async (argv: readonly string[]) => ({
      code: 0,
      stdout: answers[argv.slice(1).join(' ')] ?? '',
      stderr: '',
    });
    const view = await readCluster(status, run, async () => PROC_DRBD);
    expect(view.peers.map((p) => p.node)).toEqual(['ha1', 'ha2']);
    const text = clusterSection(view, Date.UTC(2026, 0, 1, 12, 0, 30)).join('\n');
    expect(text).toContain('group web: held by ha1 since 2026-01-01T12:00:00Z (30 s ago)');
    expect(text).toContain('  node ha2: active\n    link lan: dead\n    link /dev/ttyS1: up');
    expect(text).toContain('drbd0: Connected Primary/Secondary UpToDate/UpToDate');
  });
});
