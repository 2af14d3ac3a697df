/**
 * The admin's view of a director pair, in the lab (one boot of the pair for the whole file):
 * /metrics scraped from a booted node passes promtool and shows both IPVS sync daemons running;
 * `pillarsctl cluster status` shows both nodes; the peer channel refuses unauthenticated and replayed requests and listens on the sync
 * network only; the HTML page in headless Chromium (Debian's chromium driven by playwright-core,
 * run inside the lab client's namespace) shows both nodes and the pool, and after the master is
 * powered off its live view swaps the roles and the timeline shows the failover. A screenshot is
 * kept in test-results/status-page.png.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LAB_ADDRESSES, LAB_CLUSTER_KEY } from '../../builder/drill/lab-config.js';
import { guestExec } from '../../builder/vm/guest.js';
import { masterAndBackup } from '../../builder/drill/drill.js';
import { signRequest } from '../../overlay/status/peer-auth.js';
import { PEER_SNAPSHOT_PATH } from '../../overlay/status/peer.js';
import { useDrillLab } from '../integration/drill-lab.js';
import { root } from '../integration/image.js';

const pair = useDrillLab({ profile: 'director', timers: 'default' });
const PAGE_PORT = 8080;
const PEER_PORT = 7411;
const results = join(root, 'test-results');
const CHROMIUM = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);
const PROMTOOL = ['/usr/bin/promtool'].find((p) => spawnSync(p, ['--version']).status === 0);

/** GET from the lab client's namespace (Node's fetch there); status, headers and body. */
async function clientGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const script = `fetch(process.argv[1], { headers: JSON.parse(process.argv[2]), signal: AbortSignal.timeout(10000) }).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => process.stdout.write(JSON.stringify({ status: 0, body: String(e.cause ?? e) })))`;
  const r = await pair().client.run(process.execPath, ['-e', script, url, JSON.stringify(headers)], {
    timeoutMs: 20_000,
  });
  return JSON.parse(r.stdout) as { status: number; body: string };
}

/** node1 MASTER and node2 BACKUP by their consoles, the way the drill decides it. */
async function settled(): Promise<void> {
  await until('node1 MASTER, node2 BACKUP', 120_000, async () => {
    const p = masterAndBackup(pair().nodes, pair().instance);
    return p?.master.name === 'node1' && p;
  });
}

async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('status page, metrics and cluster view of a director pair', () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('chromium is not installed (Debian package chromium; `pillars doctor --install`)');
    mkdirSync(results, { recursive: true });
    // Chromium runs inside the lab client's namespace, the only place the lab addresses exist.
    const wrapper = join(results, 'chromium-in-lab.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${pair().client.netns} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 120_000,
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('/metrics of a booted node passes promtool check metrics and carries the pair and the pool', async () => {
    const [n1, n2] = [LAB_ADDRESSES.lanNode(0), LAB_ADDRESSES.lanNode(1)];
    // some traffic through the VIP for the counters and the graphs
    await pair().client.probe({ url: pair().url, intervalMs: 50, timeoutMs: 1000, count: 60, durationMs: 5000 });
    const m = await clientGet(`http://${n1}:${PAGE_PORT}/metrics`);
    expect(m.status).toBe(200);
    writeFileSync(join(results, 'metrics-node1.txt'), m.body);
    expect(m.body).toMatch(/^keepalived_vrrp_state\{iname="VI_LAN"\} 2$/m);
    expect(m.body).toMatch(/^pillars_failover_state\{kind="vrrp-group",instance="VG_LAB",state="MASTER"\} 1$/m);
    // keepalived reports a real server's check only when it changes: none has failed here
    expect(m.body).not.toMatch(/^pillars_ipvs_backend_check_up\{.*\} 0$/m);
    expect(m.body).toMatch(
      /^node_ipvs_backend_weight\{local_address="192\.0\.2\.10",local_port="80",local_mark="",proto="TCP",remote_address="198\.51\.100\.100",remote_port="80"\} 1$/m,
    );
    expect(m.body).toMatch(
      /^pillars_ipvs_service_connections_total\{local_address="192\.0\.2\.10",local_port="80",local_mark="",proto="TCP"\} [1-9]\d*$/m,
    );
    expect(m.body).toMatch(/^pillars_boot_to_ready_seconds \d+(\.\d+)?$/m);
    expect(m.body).toMatch(/^pillars_config_generation \d+$/m);
    expect(m.body).toMatch(/^pillars_service_restarts_total\{service="keepalived"\} 0$/m);
    // both of the kernel's sync daemons run on both directors (the ipvs-sync oneshot)
    expect(m.body).toMatch(/^pillars_ipvs_sync_daemon_up\{role="master"\} 1$/m);
    expect(m.body).toMatch(/^pillars_ipvs_sync_daemon_up\{role="backup"\} 1$/m);
    expect(m.body).toMatch(/^pillars_ipvs_connection_entries\{origin="local"\} [1-9]\d*$/m);
    const m2 = await clientGet(`http://${n2}:${PAGE_PORT}/metrics`);
    expect(m2.body).toMatch(/^keepalived_vrrp_state\{iname="VI_LAN"\} [12]$/m);
    expect(m2.body).toMatch(/^pillars_ipvs_sync_daemon_up\{role="backup"\} 1$/m);
    if (!PROMTOOL) throw new Error('promtool is not installed (Debian package prometheus; `pillars doctor --install`)');
    for (const body of [m.body, m2.body]) {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('pillarsctl cluster status on either node shows both nodes', async () => {
    const [node1, node2] = pair().nodes;
    // Under a loaded emulator a late advert can flip the backup for a moment: start settled.
    await settled();
    const text = await guestExec(node2!.vm, 'pillarsctl cluster status', 60_000);
    expect(text.code).toBe(0);
    expect(text.output).toMatch(/^\s+node1\s+node2 \(this node\)$/m);
    expect(text.output).toMatch(/^reachable\s+yes\s+yes$/m);
    expect(text.output).toMatch(/^vrrp VI_LAN\s+MASTER for \S+\s+BACKUP for \S+$/m);
    expect(text.output).toMatch(/^ipvs sync\s+master\+backup; \d+ conns, \d+ synced\s+master\+backup; \d+ conns/m);
    expect(text.output).toMatch(/both nodes run generation \d+/);
    type View = {
      local: { node: string; instances: Array<{ name: string; state: string }> };
      peer: { name: string; snapshot: { node: string; instances: Array<{ name: string; state: string }> } };
    };
    const view = await until("node2 BACKUP in node1's cluster view", 90_000, async () => {
      const json = await guestExec(node1!.vm, 'pillarsctl cluster status --json', 60_000);
      const v = JSON.parse(json.output) as View;
      return v.peer.snapshot.instances.find((i) => i.name === 'VI_LAN')?.state === 'BACKUP' && v;
    });
    expect([view.local.node, view.peer.name, view.peer.snapshot.node]).toEqual(['node1', 'node2', 'node2']);
    expect(view.local.instances.find((i) => i.name === 'VI_LAN')?.state).toBe('MASTER');
  });

  it('the peer channel refuses unauthenticated and replayed requests and listens on the sync network only', async () => {
    const [node1] = pair().nodes;
    const peer = `http://${LAB_ADDRESSES.syncNode(1)}:${PEER_PORT}${PEER_SNAPSHOT_PATH}`;
    const plain = await guestExec(node1!.vm, `busybox wget -q -O- ${peer}; echo "exit=$?"`, 60_000);
    expect(plain.output).toMatch(/401/);
    expect(plain.output).toMatch(/exit=1/);
    // a correctly signed request is answered once; the same headers again are a replay
    const h = signRequest(LAB_CLUSTER_KEY, 'GET', PEER_SNAPSHOT_PATH, Date.now());
    const hdr = Object.entries(h)
      .map(([k, v]) => `--header '${k}: ${v}'`)
      .join(' ');
    const first = await guestExec(node1!.vm, `busybox wget -q -O- ${hdr} ${peer} | busybox head -c 200; echo`, 60_000);
    expect(first.output).toMatch(/"node":"node2"/);
    const again = await guestExec(node1!.vm, `busybox wget -q -O- ${hdr} ${peer}; echo "exit=$?"`, 60_000);
    expect(again.output).toMatch(/401/);
    const log = await guestExec(
      pair().nodes[1]!.vm,
      'pillarsctl logs | busybox grep "peer channel: refused" | busybox tail -n 2',
      60_000,
    );
    expect(log.output).toMatch(/replayed nonce/);
    // nothing on the LAN address: the client cannot connect to the peer port
    const lan = await clientGet(`http://${LAB_ADDRESSES.lanNode(1)}:${PEER_PORT}${PEER_SNAPSHOT_PATH}`);
    expect(lan.status).toBe(0);
    expect(lan.body).toMatch(/ECONNREFUSED/);
  });

  it('the page in Chromium shows both nodes and the pool; after the master is powered off the roles swap and the timeline shows it', async () => {
    const page: Page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await settled();
      await page.goto(`http://${LAB_ADDRESSES.lanNode(1)}:${PAGE_PORT}/`, { timeout: 60_000 });
      const badge = (node: string) => page.locator(`section.node[data-node="${node}"] [data-role]`);
      await page.waitForFunction(
        () =>
          document.querySelector('section.node[data-node="node1"] [data-role]')?.textContent === 'MASTER' &&
          document.querySelector('section.node[data-node="node2"] [data-role]')?.textContent === 'BACKUP',
        undefined,
        { timeout: 60_000, polling: 500 },
      );
      expect(await page.locator('section.node h2').allInnerTexts()).toEqual([
        expect.stringMatching(/^node1\s+MASTER\s+peer/),
        expect.stringMatching(/^node2\s+BACKUP\s+this node/),
      ]);
      expect(await page.locator('#config-check').innerText()).toMatch(/both nodes run generation \d+/);
      // the pool on the master: three real servers, checks UP, a graph each
      const rows = page.locator('section.node[data-node="node1"] table.pool tbody tr');
      expect(await rows.count()).toBe(3);
      for (const t of await rows.allInnerTexts())
        expect(t).toMatch(/^198\.51\.100\.10[0-2]:80\tMasq\t1\t\d+\t\d+\t(UP|-)\t/);
      expect(await page.locator('section.node[data-node="node1"] table.pool svg.spark').count()).toBe(3);
      // live: the script polls /fragment; power the master off and watch the same page
      pair().nodes[0]!.kill();
      await page.waitForFunction(
        () => document.querySelector('section.node[data-node="node2"] [data-role]')?.textContent === 'MASTER',
        undefined,
        { timeout: 60_000, polling: 500 },
      );
      await page.waitForFunction(
        () => document.querySelector('section.node[data-node="node1"] [data-role]')?.textContent === 'UNREACHABLE',
        undefined,
        { timeout: 60_000, polling: 500 },
      );
      expect(await badge('node2').innerText()).toBe('MASTER');
      // the cause is refined once node2's ask of node1's peer channel timed out too
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('#timeline tbody tr')].some((r) =>
            /node2\s+vrrp VI_LAN\s+BACKUP → MASTER\s+peer dead: no adverts from node1/.test(
              (r as HTMLElement).innerText,
            ),
          ),
        undefined,
        { timeout: 30_000, polling: 500 },
      );
      expect(await page.locator('#live').innerText()).toBe('live');
      await page.screenshot({ path: join(results, 'status-page.png'), fullPage: true });
      // the same page without JavaScript: server-rendered, same content
      const ctx = await browser!.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 1000 } });
      const plain = await ctx.newPage();
      await plain.goto(`http://${LAB_ADDRESSES.lanNode(1)}:${PAGE_PORT}/`, { timeout: 60_000 });
      expect(await plain.locator('section.node[data-node="node2"] [data-role]').innerText()).toBe('MASTER');
      expect(await plain.locator('#live').innerText()).toBe('read-only');
      await ctx.close();
    } finally {
      await page.close();
    }
  });
});
