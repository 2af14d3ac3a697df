/**
 * The status page in a real browser, without the lab: Debian's chromium (driven by playwright-core)
 * loads the page from the status page server fed with a pair's snapshots; the live script swaps
 * the roles when the view changes, and the same page without JavaScript is complete. The lab
 * version (test/integration/status-page.test.ts) does this against a booted pair.
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
import { directorSnapshot, T0 } from './fixtures.js';

const CHROMIUM = ['/usr/bin/chromium'].find((p) => spawnSync(p, ['--version']).status === 0);
const results = join(import.meta.dirname, '..', '..', '..', 'test-results');

describe.skipIf(!CHROMIUM)('status page in Chromium', () => {
  let failedOver = false;
  let server: Server;
  let base = '';
  let browser: Browser;

  function view(): ClusterView {
    const lb2 = directorSnapshot('lb2');
    const lb1 = directorSnapshot('lb1');
    const tl = createTimeline();
    tl.observe('vrrp', 'VI_LAN', 'BACKUP', T0 + 2000);
    if (!failedOver) {
      for (const i of lb2.instances) i.state = 'BACKUP';
      lb2.transitions = tl.transitions();
      return { at: Date.now(), local: lb2, peer: { name: 'lb1', snapshot: lb1, lastSeen: Date.now() } };
    }
    const t = tl.observe('vrrp', 'VI_LAN', 'MASTER', T0 + 600_000)!;
    tl.refine(t, 'peer dead: no adverts from lb1, and its peer channel does not answer (no answer within 2000 ms)');
    lb2.transitions = tl.transitions();
    return { at: Date.now(), local: lb2, peer: { name: 'lb1', snapshot: lb1, error: 'no answer within 2000 ms', lastSeen: Date.now() - 4000 } };
  }

  beforeAll(async () => {
    server = startStatusPage('127.0.0.1:0', { node: () => 'lb2', text: () => ['node lb2'], json: () => ({}), view: { cluster: async () => view(), snapshot: async () => view().local } }, () => undefined);
    await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
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
    expect(await page.locator('section.node h2').allInnerTexts()).toEqual([expect.stringMatching(/^lb1\s+MASTER\s+peer/), expect.stringMatching(/^lb2\s+BACKUP\s+this node/)]);
    expect(await page.locator('section.node[data-node="lb1"] table.pool tbody tr').count()).toBe(4);
    failedOver = true;
    await page.waitForFunction(() => document.querySelector('section.node[data-node="lb2"] [data-role]')?.textContent === 'MASTER', undefined, { timeout: 15_000 });
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
