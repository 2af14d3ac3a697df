import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { agentArgv, type AgentName } from '../../../builder/vm/agents/launch.js';
import { parseConnReport, survivors, type ConnResult } from '../../../builder/vm/conn-scripts.js';

const conn = (o: Partial<ConnResult>): ConnResult => ({
  id: 0,
  backend: 'web1',
  sent: 10,
  received: 10,
  lastReplyAt: 1000,
  closed: false,
  error: null,
  ...o,
});

describe('long-lived connection scripts', () => {
  it('survivors: open, no error, answered after the moment', () => {
    const cs = [
      conn({ id: 0 }),
      conn({ id: 1, closed: true }),
      conn({ id: 2, error: 'ECONNRESET' }),
      conn({ id: 3, lastReplyAt: 500 }),
      conn({ id: 4, backend: null }),
    ];
    expect(survivors(cs, 900).map((c) => c.id)).toEqual([0]);
  });
  it('parseConnReport takes the final line', () => {
    expect(
      parseConnReport(['{"connected":1}', 'junk', JSON.stringify({ done: true, conns: [conn({})] })]),
    ).toHaveLength(1);
    expect(parseConnReport(['{"connected":1}'])).toBeNull();
  });
  it('client and server talk over loopback and the client reports every connection', async () => {
    const run = (agent: AgentName, args: string[]) =>
      spawn(process.execPath, agentArgv(agent, args), { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = run('conn-server', ['srv', String(port)]);
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
        setTimeout(() => reject(new Error('server did not start')), 5000);
      });
      const client = run('conn-client', [
        JSON.stringify({ host: '127.0.0.1', port, count: 5, intervalMs: 50, durationMs: 1000 }),
      ]);
      let out = '';
      client.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => client.on('exit', r));
      const lines = out.trim().split('\n');
      expect(JSON.parse(lines[0]!)).toEqual({ connected: 5, backends: { srv: 5 } });
      const conns = parseConnReport(lines)!;
      expect(conns).toHaveLength(5);
      for (const c of conns) expect(c.received).toBeGreaterThan(5);
      expect(survivors(conns, Date.now() - 1000)).toHaveLength(5);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
