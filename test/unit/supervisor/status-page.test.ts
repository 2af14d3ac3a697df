import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { parseListen, respond, startStatusPage, type StatusSource } from '../../../overlay/supervisor/status-page.js';

const src = (node?: string): StatusSource => ({
  node: () => node,
  text: () => ['node  lb1', 'vrrp  VI_1 MASTER'],
  json: () => ({ node, ok: true }),
});

describe('status page', () => {
  it('serves text, JSON and the node name, read-only', async () => {
    expect(await respond('GET', '/', src('lb1'))).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'node  lb1\nvrrp  VI_1 MASTER\n',
    });
    expect(JSON.parse((await respond('GET', '/status.json', src('lb1'))).body)).toEqual({ node: 'lb1', ok: true });
    expect((await respond('GET', '/node?x=1', src('lb1'))).body).toBe('lb1\n');
    expect((await respond('GET', '/node', src())).status).toBe(503);
    expect((await respond('POST', '/', src('lb1'))).status).toBe(405);
    expect((await respond('GET', '/admin', src('lb1'))).status).toBe(404);
  });

  it('parses listen addresses', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(() => parseListen('nope')).toThrow(/cannot parse/);
  });

  it('answers over HTTP on loopback', async () => {
    const lines: string[] = [];
    const server = startStatusPage('127.0.0.1:0', src('lb2'), (l) => lines.push(l));
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/node' }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    server.close();
    expect(body).toBe('lb2\n');
  });
});
