/**
 * The status page in a real browser, without the lab: Debian's chromium (driven by playwright-core)
 * loads the page from the status page server fed with a pair's snapshots; the live script swaps
 * the roles when the view changes, and the same page without JavaScript is complete. The lab
 * version (test/lab/status-page.test.ts, npm run test:lab) does this against a booted pair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startStatusPage } from '../../../overlay/supervisor/status-page.js';
import type { ClusterView } from '../../../overlay/status/cluster.js';
import { createTimeline } from '../../../overlay/status/timeline.js';
import { createMetricRings } from '../../../overlay/status/rings.js';
import { graphsOf, samplePool } from '../../../overlay/status/sampler.js';
import type { NodeSnapshot } from '../../../overlay/status/snapshot.js';
import { directorSnapshot, T0 } from './fixtures.js';

const CHROMIUM = ['/usr/bin/chromium'].find((p) => spawnSync(p, ['--version']).status === 0);
const results = join(import.meta.dirname, '..', '..', '..', 'test-results');

describe.skipIf(!CHROMIUM)('status page in Chromium', () => {
  let failedOver = false;
  let server: Server;
  let base = '';
  let browser: Browser;

  /** When the view is taken: ten minutes after the fixture's boot. */
  const AT = T0 + 615_000;

  /** An hour of traffic through the pool (a slow wave, one real server down), as the rings keep it. */
  function withTraffic(s: NodeSnapshot, scale: number): NodeSnapshot {
    const rings = createMetricRings();
    const pool = structuredClone(s.pool!);
    for (let i = 0; i <= 360; i++) {
      pool.forEach((svc, si) => {
        let total = 0;
        svc.realServers.forEach((rs, ri) => {
          if (!rs.stats || rs.check === 'DOWN') return;
          const add = Math.round(scale * (40 + 30 * Math.sin(i / 25 + ri) + 10 * Math.sin(i / 4 + si)));
          rs.stats = { ...rs.stats, inPkts: rs.stats.inPkts + add, outPkts: rs.stats.outPkts + add };
          total += 2 * add;
        });
        if (svc.stats)
          svc.stats = { ...svc.stats, inPkts: svc.stats.inPkts + total / 2, outPkts: svc.stats.outPkts + total / 2 };
      });
      samplePool(rings, pool, AT - 3_600_000 + i * 10_000);
    }
    return { ...s, at: AT, pool, graphs: graphsOf(rings) };
  }

  function view(): ClusterView {
    const lb2 = withTraffic(directorSnapshot('lb2'), failedOver ? 1 : 0);
    const lb1 = withTraffic(directorSnapshot('lb1'), 1);
    const tl = createTimeline();
    tl.observe('vrrp', 'VI_LAN', 'BACKUP', T0 + 2000);
    if (!failedOver) {
      for (const i of lb2.instances) i.state = 'BACKUP';
      lb2.transitions = tl.transitions();
      return { at: AT, local: lb2, peer: { name: 'lb1', snapshot: lb1, lastSeen: AT } };
    }
    const t = tl.observe('vrrp', 'VI_LAN', 'MASTER', AT - 5000)!;
    tl.refine(t, 'peer dead: no adverts from lb1, and its peer channel does not answer (no answer within 2000 ms)');
    lb2.transitions = tl.transitions();
    return {
      at: AT,
      local: lb2,
      peer: { name: 'lb1', snapshot: lb1, error: 'no answer within 2000 ms', lastSeen: AT - 6000 },
    };
  }

  beforeAll(async () => {
    server = startStatusPage(
      '127.0.0.1:0',
      {
        node: () => 'lb2',
        text: () => ['node lb2'],
        json: () => ({}),
        view: { cluster: async () => view(), snapshot: async () => view().local },
      },
      () => undefined,
    );
    await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('shows both nodes and the pool, swaps the roles live, and reads the same without JavaScript', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${base}/`);
    expect(await page.locator('section.node h2').allInnerTexts()).toEqual([
      expect.stringMatching(/^lb1\s+MASTER\s+peer/),
      expect.stringMatching(/^lb2\s+BACKUP\s+this node/),
    ]);
    expect(await page.locator('section.node[data-node="lb1"] table.pool tbody tr').count()).toBe(4);
    // each node's IPVS sync next to its pool: both daemons running, where the connections came from
    for (const node of ['lb1', 'lb2'])
      expect(await page.locator(`section.node[data-node="${node}"] table.ipvs-sync tbody tr`).allInnerTexts()).toEqual([
        'master\trunning\tsync\t51\t224.0.0.81:8848',
        'backup\trunning\tsync\t51\t224.0.0.81:8848',
      ]);
    expect(await page.locator('section.node[data-node="lb2"] .ipvs-conns').innerText()).toBe(
      '16 entries in the connection table: 0 scheduled here, 16 synced from the peer',
    );
    failedOver = true;
    await page.waitForFunction(
      () => document.querySelector('section.node[data-node="lb2"] [data-role]')?.textContent === 'MASTER',
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator('section.node[data-node="lb1"] [data-role]').innerText()).toBe('UNREACHABLE');
    const rows = await page.locator('#timeline tbody tr').allInnerTexts();
    expect(rows[0]).toMatch(/\tlb2\tvrrp VI_LAN\tBACKUP → MASTER\tpeer dead: no adverts from lb1/);
    expect(await page.locator('#live').innerText()).toBe('live');
    expect(errors).toEqual([]);
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, 'status-page-fixture.png'), fullPage: true });
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const plain = await ctx.newPage();
    await plain.goto(`${base}/`);
    expect(await plain.locator('section.node[data-node="lb2"] [data-role]').innerText()).toBe('MASTER');
    expect(await plain.locator('#live').innerText()).toBe('read-only');
    await ctx.close();
    await page.close();
  }, 60_000);
});
