import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../overlay/config/index.js';
import { heartbeatRole } from '../../../overlay/roles/heartbeat/index.js';
import { checkHaCf, checkHaresources } from '../../../overlay/roles/heartbeat/check.js';
import { HEARTBEAT_TIMERS, heartbeatLabConfig } from '../../../builder/drill/heartbeat-config.js';
import { giveUpMs, tallyHeartbeatIdle } from '../../../builder/drill/heartbeat-drill.js';

describe('heartbeat lab config', () => {
  for (const timers of ['fast', 'default', 'stock'] as const) {
    for (const autoFailback of [true, false]) {
      it(`validates and renders what heartbeat accepts (${timers} timers, auto_failback ${autoFailback})`, () => {
        const r = loadConfig(heartbeatLabConfig({ timers, autoFailback }), 'lab.yaml');
        if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
        expect(r.config.heartbeat!.deadtime).toBe(HEARTBEAT_TIMERS[timers].deadtime);
        const node = r.config.nodes.node1!;
        const files = heartbeatRole.render({
          config: r.config,
          nodeName: 'node1',
          node,
          etcDir: '/run/pillars/etc',
          eventFifo: '/run/pillars/events',
        });
        const haCf = files.find((f) => f.path.endsWith('/ha.cf'))!.content;
        const facts = checkHaCf(haCf);
        expect(facts.errors).toEqual([]);
        expect(haCf).toContain('serial /dev/ttyS1');
        expect(haCf).toMatch(/^stonith_host \* external\/pillars-lab node1,node2 192\.0\.2\.250:8090$/m);
        const scripts = new Set(['IPaddr2', 'drbddisk', 'Filesystem', 'pillars-records', 'PillarsEvent']);
        expect(
          checkHaresources(files.find((f) => f.path.endsWith('/haresources'))!.content, facts.nodes, (n) =>
            scripts.has(n),
          ),
        ).toEqual([]);
      });
    }
  }
});

describe("a heartbeat drill run waits on the pair's own deadtime", () => {
  it('gives stock heartbeat (30 s deadtime, 46-50 s takeovers under emulation) two minutes, the fast timers about one', () => {
    expect(giveUpMs(HEARTBEAT_TIMERS.stock.deadtime)).toBe(120_000);
    expect(giveUpMs(HEARTBEAT_TIMERS.fast.deadtime)).toBe(61_200);
    // Twice the slowest stock takeover measured (50.5 s), room for a busy host.
    expect(giveUpMs(HEARTBEAT_TIMERS.stock.deadtime)).toBeGreaterThan(2 * 50_500);
  });
});

describe('tallyHeartbeatIdle', () => {
  it('counts peers declared dead, groups acquired and late heartbeats with the longest gap', () => {
    const t = tallyHeartbeatIdle([
      {
        node: 'node1',
        text: 'Dec 04 03:14:02 node1 heartbeat: [285]: WARN: Late heartbeat: Node node2: interval 640 ms',
      },
      {
        node: 'node1',
        text: 'Dec 04 03:14:05 node1 heartbeat: [285]: WARN: Late heartbeat: Node node2: interval 910 ms',
      },
      { node: 'node2', text: 'Dec 04 03:15:00 node2 heartbeat: [301]: WARN: node node1: is dead' },
      { node: 'node2', text: 'pillars: heartbeat group records ACQUIRED' },
      { node: 'node2', text: 'Dec 04 03:15:01 node2 heartbeat: [301]: info: Link node1:lan dead.' },
    ]);
    expect(t).toEqual({ deaths: ['node2 declared node1 dead'], acquired: ['node2'], late: 2, longestGapMs: 910 });
  });

  it('a quiet window: nothing, and no gap reported', () => {
    expect(
      tallyHeartbeatIdle([{ node: 'node1', text: 'Dec 04 03:14:02 node1 heartbeat: [285]: info: Status update' }]),
    ).toEqual({ deaths: [], acquired: [], late: 0, longestGapMs: undefined });
  });
});
