import { describe, expect, it } from 'vitest';
import { respond, type StatusSource } from '../../../overlay/supervisor/status-page.js';
import type { ClusterView } from '../../../overlay/status/cluster.js';
import { directorSnapshot, T0 } from './fixtures.js';

const local = directorSnapshot('lb1');
const view: ClusterView = { at: T0 + 65_000, local, peer: { name: 'lb2', error: 'no answer within 2000 ms' } };
const src: StatusSource = {
  node: () => 'lb1',
  text: () => ['node  lb1'],
  json: () => ({ node: 'lb1' }),
  view: { cluster: async () => view, snapshot: async () => local },
};

describe('status page routes', () => {
  it('/ is HTML for a browser and text for curl', async () => {
    const html = await respond('GET', '/', src, 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.headers?.['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(html.body).toContain('data-node="lb2"');
    expect(await respond('GET', '/', src, '*/*')).toMatchObject({
      type: 'text/plain; charset=utf-8',
      body: 'node  lb1\n',
    });
    expect(await respond('GET', '/status.txt', src, 'text/html')).toMatchObject({ body: 'node  lb1\n' });
  });

  it('/metrics in the exposition format, /cluster.json, /fragment and /live.js', async () => {
    const m = await respond('GET', '/metrics', src);
    expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(m.body).toContain('keepalived_vrrp_state{iname="VI_LAN"} 2');
    expect(JSON.parse((await respond('GET', '/cluster.json', src)).body).peer).toEqual({
      name: 'lb2',
      error: 'no answer within 2000 ms',
    });
    const f = await respond('GET', '/fragment?t=1', src);
    expect(f.body.startsWith('<!doctype')).toBe(false);
    expect(f.body).toContain('not answering: no answer within 2000 ms');
    expect((await respond('GET', '/live.js', src)).body).toContain("fetch('/fragment'");
  });

  it('stays read-only', async () => {
    for (const p of ['/', '/metrics', '/cluster.json', '/fragment'])
      expect((await respond('POST', p, src)).status).toBe(405);
    expect((await respond('GET', '/admin', src)).body).toBe(
      'not found: try /, /status.json, /metrics, /cluster.json or /node\n',
    );
  });
});
