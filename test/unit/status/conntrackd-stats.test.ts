/**
 * conntrackd's state-sync counters from its own text: what the firewall image's conntrackd 1.4.8
 * printed, two of them replicating over a veth pair in network namespaces (FT-FW over multicast,
 * with node2's sync link down while node1 created 7 of its 14 states; ALARM over UDP).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  conntrackdRuns,
  formatConntrackdSync,
  parseConntrackdStats,
} from '../../../overlay/status/conntrackd-stats.js';
import { readConntrackdSync } from '../../../overlay/status/sync-readers.js';
import { ALARM_UDP_NODE2_NETWORK, FTFW_NODE2_NETWORK } from './fixtures.js';

const ctd = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'conntrackd', name), 'utf8');

describe('conntrackd statistics', () => {
  it('-s network: the link traffic, errors and the messages lost in the sequence', () => {
    expect(parseConntrackdStats(ctd('ftfw-multicast-node2.network.txt'))).toEqual(FTFW_NODE2_NETWORK);
  });

  it("-s: the same counters, and what the peer's states did to this node's table", () => {
    const s = parseConntrackdStats(ctd('ftfw-multicast-node2.stats.txt'));
    expect(s).toMatchObject({ sent: 12, received: 19, errors: 3, lost: 11 });
    expect(s?.peerStates).toEqual({ created: 14, updated: 0, destroyed: 0, failed: 0 });
    // the sender: its own states are not the peer's; it lost acknowledgements while the link was down
    const n1 = parseConntrackdStats(ctd('ftfw-multicast-node1.stats.txt'));
    expect(n1).toMatchObject({ sent: 28, received: 12, errors: 0, lost: 5 });
    expect(n1?.peerStates).toEqual({ created: 0, updated: 0, destroyed: 0, failed: 0 });
  });

  it('both outputs together, as the status reads them; ALARM over UDP keeps an external cache', () => {
    const both = parseConntrackdStats(ctd('alarm-udp-node2.network.txt') + '\n' + ctd('alarm-udp-node2.stats.txt'));
    expect(both).toEqual({
      ...ALARM_UDP_NODE2_NETWORK,
      peerStates: { created: 7, updated: 0, destroyed: 2, failed: 0 },
    });
  });

  it('malformed messages count as errors; text without the link section is no answer', () => {
    const text = ctd('ftfw-multicast-node1.network.txt')
      .replace(/(\trecv:\n\t\tMalformed messages:\t\s+)0/, '$12')
      .replace(/(\tsend:\n\t\tMalformed messages:\t\s+)0/, '$11');
    expect(parseConntrackdStats(text)).toMatchObject({ malformed: 3, errors: 3 });
    expect(parseConntrackdStats('')).toBeUndefined();
    expect(parseConntrackdStats('resent queue (len=0)\n')).toBeUndefined();
  });

  it('one line for the texts, long and short', () => {
    const s = parseConntrackdStats(ctd('ftfw-multicast-node2.network.txt') + ctd('ftfw-multicast-node2.stats.txt'))!;
    expect(formatConntrackdSync(s)).toBe(
      'multicast on sync: sent 12 messages (200 bytes), received 19 (1344 bytes), 3 errors, 11 lost; peer states 14 created, 0 updated, 0 destroyed, 0 failed',
    );
    expect(formatConntrackdSync(s, true)).toBe('sent 12, received 19, 3 errors, 11 lost');
  });

  it('is read only while the conntrackd service is up', () => {
    const st = (state: string) => ({ services: [{ name: 'conntrackd', state }] });
    expect(conntrackdRuns(st('ready'))).toBe(true);
    expect(conntrackdRuns(st('backoff'))).toBe(false);
    expect(conntrackdRuns({ services: [{ name: 'keepalived', state: 'ready' }] })).toBe(false);
    expect(conntrackdRuns(undefined)).toBe(false);
  });

  it('asks the running conntrackd with the rendered config; no answer is undefined', async () => {
    const asked: string[][] = [];
    const s = await readConntrackdSync('/run/pillars/etc/conntrackd.conf', async (argv) => {
      asked.push([...argv]);
      const network = argv.at(-1) === 'network';
      return { code: 0, stdout: ctd(`ftfw-multicast-node2.${network ? 'network' : 'stats'}.txt`), stderr: '' };
    });
    expect(asked).toEqual([
      ['conntrackd', '-C', '/run/pillars/etc/conntrackd.conf', '-s', 'network'],
      ['conntrackd', '-C', '/run/pillars/etc/conntrackd.conf', '-s'],
    ]);
    expect(s).toMatchObject({ received: 19, lost: 11, peerStates: { created: 14 } });
    const down = await readConntrackdSync('/x.conf', async () => ({
      code: 1,
      stdout: '',
      stderr: "[ERROR] can't connect: is conntrackd running? appropriate permissions?",
    }));
    expect(down).toBeUndefined();
  });
});
