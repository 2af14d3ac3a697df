/**
 * The LVS director as a user checks it: a director pair in the lab (one boot for all the
 * behaviour tests, director-pair.ts) balancing HTTP backends in the namespace — schedulers,
 * persistence, DR, LVS-TUN, health checks with mail and a sorry server, the pool in
 * `pillarsctl status`, and a director failover under long-lived connections — then `pillars drill
 * --profile director` end to end. The lab suite adds hitless reloads (test/lab/director.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { firstAnswer } from '../../builder/drill/drill.js';
import { DIRECTOR_LAB } from '../../builder/drill/director-lab.js';
import { parseMailLine, type Mail, type ProbeSample } from '../../builder/vm/scripts.js';
import { parseConnReport, survivors } from '../../builder/vm/conn-scripts.js';
import { agentArgv } from '../../builder/vm/agents/launch.js';
import { parseIpvsStats } from '../../overlay/pillarsctl/ipvs.js';
import { imagePath, root } from './image.js';
import { sleep, until } from '../helpers/wait.js';
import { director, master, pair, sh, spread, useDirectorPair } from './director-pair.js';

const { vip: VIP, web: WEB, dr: DR, tun: TUN } = DIRECTOR_LAB;

describe('LVS director pair', () => {
  useDirectorPair();

  it('rr spreads a burst of 60 requests evenly over the three NAT backends', async () => {
    const c = await spread(director.dl, 80, 60);
    console.log('rr 60:', JSON.stringify(c));
    for (const w of ['web1', 'web2', 'web3']) expect(c[w] ?? 0, w).toBeGreaterThanOrEqual(17);
    for (const w of ['web1', 'web2', 'web3']) expect(c[w] ?? 0, w).toBeLessThanOrEqual(23);
  });

  it('wrr with weights 3,3,1 gives that ratio (70 requests: 30/30/10 ± 5)', async () => {
    const c = await spread(director.dl, 81, 70);
    console.log('wrr 70:', JSON.stringify(c));
    expect(Math.abs((c.web1 ?? 0) - 30)).toBeLessThanOrEqual(5);
    expect(Math.abs((c.web2 ?? 0) - 30)).toBeLessThanOrEqual(5);
    expect(Math.abs((c.web3 ?? 0) - 10)).toBeLessThanOrEqual(5);
  });

  it('sh keeps one client on one backend', async () => {
    const c = await spread(director.dl, 82, 30);
    console.log('sh 30:', JSON.stringify(c));
    expect(Object.keys(c)).toHaveLength(1);
    expect(Object.values(c)[0]).toBe(30);
  });

  it('persistence holds a client on one backend for its timeout (a template in the connection table)', async () => {
    const a = await spread(director.dl, 83, 15);
    await sleep(3000);
    const b = await spread(director.dl, 83, 15);
    console.log('persistent 15 + 15:', JSON.stringify(a), JSON.stringify(b));
    expect(Object.keys(a)).toHaveLength(1);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    // rr on the same backends without persistence would have spread them.
    // A persistence template is the entry with client port 0 (state NONE, or ASSURED with conntrack).
    const conns = await sh(await master(), `pillarsctl ipvs -L -n -c | grep -E ':0 +${VIP}:83 ' || true`);
    console.log('persistence template:\n' + conns.trimEnd());
    const esc = (a: string) => a.replace(/\./g, '\\.');
    expect(conns, 'a persistence template client → VIP:83').toMatch(
      new RegExp(`TCP\\s+\\S+\\s+(NONE|ASSURED)\\s+${esc(director.dl.client.address)}:0\\s+${esc(VIP)}:83\\s+\\S+:83`),
    );
    // It lives for the persistence timeout (60 s) past the last connection.
    const [, mm, ss] = /TCP\s+(\d+):(\d+)/.exec(conns)!;
    const expire = Number(mm) * 60 + Number(ss);
    expect(expire).toBeGreaterThan(0);
    expect(expire).toBeLessThanOrEqual(60);
  });

  it('DR: the backends configured by the realserver script answer through the VIP, and replies bypass the director', async () => {
    const c = await spread(director.dl, 84, 20);
    console.log('dr 20:', JSON.stringify(c));
    expect((c.dr1 ?? 0) + (c.dr2 ?? 0)).toBe(20);
    expect(c.dr1).toBeGreaterThan(0);
    expect(c.dr2).toBeGreaterThan(0);
    const stats = parseIpvsStats(await sh(await master(), 'pillarsctl ipvs -L -n --stats --exact'));
    const dr = stats.find((s) => s.address === `${VIP}:84`)!;
    const nat = stats.find((s) => s.address === `${VIP}:80`)!;
    console.log('stats dr:', JSON.stringify(dr.stats), 'nat:', JSON.stringify(nat.stats));
    expect(dr.stats.inPkts).toBeGreaterThan(0);
    expect(dr.stats.outPkts, 'DR replies never pass the director').toBe(0);
    expect(nat.stats.outPkts, 'NAT replies do').toBeGreaterThan(0);
    // The client learned the DR backends' MACs: they sent it the replies themselves.
    const neigh = (await director.dl.client.run('ip', ['neigh', 'show'])).stdout;
    expect(neigh).toMatch(/192\.0\.2\.11[01] /);
    const status = await sh(await master(), 'pillarsctl status');
    expect(status).toMatch(new RegExp(`${DR[0]!.replace(/\./g, '\\.')}:84 +Route +1`));
  });

  it('TUN: a backend booted with the realserver profile (VIP on tunl0) answers over IP-in-IP, and its replies bypass the director', async () => {
    const c = await spread(director.dl, TUN.port, 10, '/node');
    console.log('tun 10:', JSON.stringify(c));
    expect(c).toEqual({ [TUN.name]: 10 });
    const stats = parseIpvsStats(await sh(await master(), 'pillarsctl ipvs -L -n --stats --exact'));
    const tun = stats.find((s) => s.address === `${VIP}:${TUN.port}`)!;
    console.log('stats tun:', JSON.stringify(tun.stats));
    expect(tun.stats.inPkts).toBeGreaterThan(0);
    expect(tun.stats.outPkts, 'TUN replies never pass the director').toBe(0);
    const status = await sh(await master(), 'pillarsctl status');
    expect(status).toMatch(new RegExp(`${TUN.address.replace(/\./g, '\\.')}:${TUN.port} +Tunnel +1`));
    // On the backend: the VIP sits on tunl0, which received the encapsulated requests.
    const tunl0 = await sh(
      director.rs,
      'ip -4 addr show dev tunl0; cat /sys/class/net/tunl0/statistics/rx_packets; cat /proc/sys/net/ipv4/conf/all/arp_ignore',
    );
    console.log('rs1 tunl0:\n' + tunl0.trimEnd());
    expect(tunl0).toContain(`inet ${VIP}/32`);
    const [rx, arpIgnore] = tunl0.trim().split('\n').slice(-2).map(Number);
    expect(rx).toBeGreaterThanOrEqual(10);
    expect(arpIgnore).toBe(1);
    // The client learned rs1's MAC for nothing but rs1's own address: it never answered ARP for the VIP.
    const neigh = (await director.dl.client.run('ip', ['neigh', 'show', VIP])).stdout;
    expect(neigh).not.toContain('52:54:00:00:02:00');
  });

  it('health: a stopped backend leaves the pool (status, mail), comes back when started; all down → the sorry server answers', async () => {
    const m = await master();
    const upLine = (a: string, up: boolean) =>
      new RegExp(
        `pillars: lvs ${VIP.replace(/\./g, '\\.')}:90/tcp real server ${a.replace(/\./g, '\\.')}:90/tcp ${up ? 'UP' : 'DOWN'}`,
      );
    const from = m.lines.length;
    const t0 = Date.now();
    director.servers90.get('web1')!.kill('SIGTERM');
    await m.waitFor(upLine(WEB[0]!, false), 30_000, from);
    const downMs = Date.now() - t0;
    console.log(`web1:90 out of the pool after ${downMs} ms (delay_loop 2 s + connect_timeout 1 s + retry 1 × 1 s)`);
    expect(downMs).toBeLessThan(2000 + 1000 + 1000 + 4000);
    const status = await sh(m, 'pillarsctl status');
    expect(status).toMatch(new RegExp(`${WEB[0]!.replace(/\./g, '\\.')}:90 .*DOWN`));
    const web2 = status.split('\n').find((l) => l.includes(`${WEB[1]}:90 `));
    expect(web2, 'web2 still in the pool').toMatch(/Masq +1 /);
    expect(web2).not.toContain('DOWN');
    const c = await spread(director.dl, 90, 10);
    expect(c.web1).toBeUndefined();
    const mail = await until('a DOWN mail at the SMTP sink', 30_000, () =>
      director.smtp.output.lines
        .map(parseMailLine)
        .find((x): x is Mail => x !== null && /198\.51\.100\.100.*90.*DOWN/i.test(x.subject)),
    );
    console.log('mail:', mail.subject);
    expect(mail.to).toEqual(['admin@example.org']);

    const from2 = m.lines.length;
    director.servers90.set('web1', await director.dl.lab.host('web1').startHttpServer({ port: 90 }));
    await m.waitFor(upLine(WEB[0]!, true), 30_000, from2);
    await until('web1 answers on :90 again', 20_000, async () => (await spread(director.dl, 90, 6)).web1);

    const from3 = m.lines.length;
    for (const w of ['web1', 'web2', 'web3']) director.servers90.get(w)!.kill('SIGTERM');
    for (const a of WEB) await m.waitFor(upLine(a, false), 30_000, from3);
    const sorry = await until('the sorry server answers', 30_000, async () => {
      const s = await spread(director.dl, 90, 3);
      return s.sorry === 3 ? s : undefined;
    });
    console.log('all down:', JSON.stringify(sorry));
    await Promise.all(
      ['web1', 'web2', 'web3'].map(async (w) =>
        director.servers90.set(w, await director.dl.lab.host(w).startHttpServer({ port: 90 })),
      ),
    );
    await until('backends back on :90', 30_000, async () => (await spread(director.dl, 90, 3)).sorry === undefined);
  });

  it('director failover during 20 long-lived connections: short requests resume, long-lived ones are counted', async () => {
    const { master: m, backup } = await pair();
    const client = director.dl.client.spawn(
      process.execPath,
      agentArgv('conn-client', [
        JSON.stringify({ host: VIP, port: 85, count: 20, intervalMs: 200, durationMs: 120_000 }),
      ]),
    );
    const connected = JSON.parse(await client.output.waitFor(/"connected"/, 30_000)) as {
      connected: number;
      backends: Record<string, number>;
    };
    console.log('long-lived:', JSON.stringify(connected));
    expect(connected.connected).toBe(20);
    // Let the sync daemon send the connections to the backup (a connection syncs after 3 packets).
    await sleep(3000);
    const synced = await sh(backup, 'pillarsctl ipvs -L -n -c | grep -c ":85 " || true');
    console.log(`backup ${backup.name} knows ${synced.trim()} connections to :85 before the fault`);
    const probe = director.dl.client.startProbe({
      url: `http://${VIP}/`,
      intervalMs: 50,
      timeoutMs: 300,
      durationMs: 60_000,
      count: 1200,
    });
    await sleep(1500);
    const faultAt = Date.now();
    m.kill();
    const answered = await until(
      'a short request answered after the fault',
      15_000,
      () => firstAnswer(probe.live, faultAt),
      20,
    );
    const gap = answered.t + answered.ms - faultAt;
    await sleep(8000);
    const samples: ProbeSample[] = await probe.stop();
    client.kill('SIGTERM');
    await client.output.ended;
    const conns = parseConnReport(client.output.lines);
    expect(conns).not.toBeNull();
    const alive = survivors(conns!, faultAt + gap + 2000);
    const lost = samples.filter((s) => s.t >= faultAt && !s.ok).length;
    console.log(
      `failover: short requests resumed after ${Math.round(gap)} ms (${lost} lost); long-lived connections surviving: ${alive.length}/20`,
    );
    expect(gap).toBeLessThan(5000);
    // The sync daemon told the backup about every connection: all of them survive.
    expect(alive.length).toBe(20);
  });
});

describe('pillars drill --profile director', () => {
  it('runs end to end and reports a failover under 5000 ms as JSON', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'pillars.mjs'),
        'drill',
        '--profile',
        'director',
        '--runs',
        '1',
        '--json',
        '--out',
        dirname(dirname(imagePath('director', 'x'))),
      ],
      { encoding: 'utf8', timeout: 600_000 },
    );
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      scenario: string;
      runs: Array<{ failover_ms: number }>;
      p50_ms: number;
    };
    console.log('drill:', JSON.stringify(report));
    expect(report.scenario).toBe('poweroff');
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]!.failover_ms).toBeLessThan(5000);
  }, 660_000);
});
