/**
 * The LVS director as a user checks it: a director pair in the lab (one boot for all the
 * behaviour tests) balancing HTTP backends in the namespace — schedulers, persistence, DR,
 * health checks with mail and a sorry server, the pool in `pillarsctl status`, and a director
 * failover under long-lived connections — then `pillars drill --profile director` end to end.
 * One config (builder/drill/director-lab.ts): a virtual server per behaviour on its own port.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  startDrillLab,
  firstAnswer,
  instanceState,
  STATE_LINE,
  labBoot,
  masterAndBackup,
  READY_LINE,
  writeLabStick,
  type DrillLab,
} from '../../builder/drill/drill.js';
import { labConfig, labPriorities, LAB_ADDRESSES } from '../../builder/drill/lab-config.js';
import {
  addedVirtualServer,
  ALERTS_YAML,
  DIRECTOR_LAB,
  DIRECTOR_YAML,
  tunRealserverConfig,
} from '../../builder/drill/director-lab.js';
import { createLogger } from '../../builder/log.js';
import { guestExec } from '../../builder/vm/guest.js';
import type { HostProcess, Lab, LabVm } from '../../builder/vm/lab.js';
import { parseMailLine, type Mail, type ProbeSample } from '../../builder/vm/scripts.js';
import { parseConnReport, survivors } from '../../builder/vm/conn-scripts.js';
import { agentArgv } from '../../builder/vm/agents/launch.js';
import { renderRealserverScript } from '../../overlay/roles/realserver/index.js';
import { parseIpvsStats } from '../../overlay/pillarsctl/ipvs.js';
import { imagePath, requireImage, root } from './image.js';
import { sleep, until } from '../helpers/wait.js';
import { putGuestFile } from '../helpers/guest-file.js';

const log = createLogger();
const { vip: VIP, web: WEB, dr: DR, smtp: SMTP, sorry: SORRY, tun: TUN } = DIRECTOR_LAB;
const imageDir = () => dirname(imagePath('director', 'initrd.img'));

/** Answers per body for `count` fresh requests to the VIP port. */
async function spread(dl: DrillLab, port: number, count: number, path = '/'): Promise<Record<string, number>> {
  const samples = await dl.client.probe({
    url: `http://${VIP}:${port}${path}`,
    intervalMs: 40,
    timeoutMs: 2000,
    count,
    durationMs: count * 40 + 5000,
  });
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.ok ? s.body!.trim() : `error:${s.error ?? s.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

let dl: DrillLab | undefined;
const servers90 = new Map<string, HostProcess>();
let smtp: HostProcess | undefined;
/** The LVS-TUN backend: the realserver image booted with a realserver config stick (an image refuses a config of another profile). */
let rs: LabVm | undefined;
const stickDir = mkdtempSync(join(tmpdir(), 'pillars-director-test-'));

/** The pair's MASTER and BACKUP, waiting a little for a transition in flight. */
async function pair(): Promise<{ master: LabVm; backup: LabVm }> {
  const p = await until('one MASTER and one BACKUP', 60_000, () => masterAndBackup(dl!.nodes)).catch(() => undefined);
  if (p) return p;
  const tail = dl!.nodes.map(
    (n) =>
      `${n.name}:\n` +
      n.lines
        .filter((l) => /vrrp|Keepalived_vrrp|Keepalived\[/.test(l.text))
        .slice(-15)
        .map((l) => `  ${l.text}`)
        .join('\n'),
  );
  throw new Error(`no single MASTER and BACKUP:\n${tail.join('\n')}`);
}
const master = async (): Promise<LabVm> => (await pair()).master;
async function sh(vm: LabVm, cmd: string): Promise<string> {
  // A pillarsctl run (a Node start) takes 2–3 s on a quiet emulator and 20 s on a loaded one.
  const r = await guestExec(vm.vm, cmd, 180_000);
  if (r.code !== 0) throw new Error(`${cmd} on ${vm.name}: exit ${r.code}: ${r.output}`);
  return r.output;
}

async function beforeBoot(lab: Lab): Promise<void> {
  const webs = [1, 2, 3].map((i) => lab.host(`web${i}`));
  await Promise.all(webs.map(async (h) => servers90.set(h.name, await h.startHttpServer({ port: 90 }))));
  await Promise.all(
    webs.map(async (h) => {
      const d = h.spawn(process.execPath, agentArgv('conn-server', [h.name, '85']));
      await d.output.waitFor(/"listening"/, 10_000);
    }),
  );
  for (const name of ['dr1', 'dr2']) {
    const h = lab.host(name);
    // The realserver profile's own script: VIP on lo, no ARP answers for it.
    await h.run('sh', ['-c', renderRealserverScript('dr', [VIP])]);
    await h.startHttpServer({ port: 84 });
  }
  await lab.host('sorry').startHttpServer({ port: 90 });
  smtp = await lab.host('smtp').startSmtpSink({ port: 25 });
  const stick = await writeLabStick(join(stickDir, `${TUN.name}.img`), 'realserver', tunRealserverConfig());
  rs = await lab.startVm({
    name: TUN.name,
    index: TUN.index,
    boot: labBoot(dirname(imagePath('realserver', 'initrd.img'))),
    sticks: [{ image: stick, as: 'usb' }],
    memoryMiB: 512,
    nics: [{ segment: 'lan' }],
  });
}

describe('LVS director pair', () => {
  beforeAll(async () => {
    requireImage('director');
    requireImage('realserver');
    dl = await startDrillLab({
      profile: 'director',
      timers: 'default',
      imageDir: imageDir(),
      log,
      configText: labConfig({ profile: 'director', directorYaml: DIRECTOR_YAML, extraYaml: ALERTS_YAML }),
      httpPorts: [80, 81, 82, 83],
      extraHosts: [
        { name: 'dr1', nics: [{ segment: 'lan', address: DR[0] }] },
        { name: 'dr2', nics: [{ segment: 'lan', address: DR[1] }] },
        { name: 'smtp', nics: [{ segment: 'lan', address: SMTP }] },
        { name: 'sorry', nics: [{ segment: 'internal', address: SORRY }], gateway: LAB_ADDRESSES.internalVip },
      ],
      beforeBoot,
    });
    // Every virtual server answers before the behaviour tests start (checks settle after boot).
    await rs!.waitFor(READY_LINE, 300_000);
    for (const port of [81, 82, 83, 84, TUN.port, 90]) {
      await until(
        `VIP port ${port} answers`,
        60_000,
        async () => Object.keys(await spread(dl!, port, 3)).every((k) => !k.startsWith('error')),
        1000,
      );
    }
  }, 900_000);

  afterAll(async () => {
    await dl?.dispose();
    rmSync(stickDir, { recursive: true, force: true });
    if (dl) expect(await dl.lab.listLeftovers()).toEqual([]);
  }, 120_000);

  it('rr spreads a burst of 60 requests evenly over the three NAT backends', async () => {
    const c = await spread(dl!, 80, 60);
    console.log('rr 60:', JSON.stringify(c));
    for (const w of ['web1', 'web2', 'web3']) expect(c[w] ?? 0, w).toBeGreaterThanOrEqual(17);
    for (const w of ['web1', 'web2', 'web3']) expect(c[w] ?? 0, w).toBeLessThanOrEqual(23);
  });

  it('wrr with weights 3,3,1 gives that ratio (70 requests: 30/30/10 ± 5)', async () => {
    const c = await spread(dl!, 81, 70);
    console.log('wrr 70:', JSON.stringify(c));
    expect(Math.abs((c.web1 ?? 0) - 30)).toBeLessThanOrEqual(5);
    expect(Math.abs((c.web2 ?? 0) - 30)).toBeLessThanOrEqual(5);
    expect(Math.abs((c.web3 ?? 0) - 10)).toBeLessThanOrEqual(5);
  });

  it('sh keeps one client on one backend', async () => {
    const c = await spread(dl!, 82, 30);
    console.log('sh 30:', JSON.stringify(c));
    expect(Object.keys(c)).toHaveLength(1);
    expect(Object.values(c)[0]).toBe(30);
  });

  it('persistence holds a client on one backend for its timeout (a template in the connection table)', async () => {
    const a = await spread(dl!, 83, 15);
    await sleep(3000);
    const b = await spread(dl!, 83, 15);
    console.log('persistent 15 + 15:', JSON.stringify(a), JSON.stringify(b));
    expect(Object.keys(a)).toHaveLength(1);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    // rr on the same backends without persistence would have spread them.
    // A persistence template is the entry with client port 0 (state NONE, or ASSURED with conntrack).
    const conns = await sh(await master(), `pillarsctl ipvs -L -n -c | grep -E ':0 +${VIP}:83 ' || true`);
    console.log('persistence template:\n' + conns.trimEnd());
    const esc = (a: string) => a.replace(/\./g, '\\.');
    expect(conns, 'a persistence template client → VIP:83').toMatch(
      new RegExp(`TCP\\s+\\S+\\s+(NONE|ASSURED)\\s+${esc(dl!.client.address)}:0\\s+${esc(VIP)}:83\\s+\\S+:83`),
    );
    // It lives for the persistence timeout (60 s) past the last connection.
    const [, mm, ss] = /TCP\s+(\d+):(\d+)/.exec(conns)!;
    const expire = Number(mm) * 60 + Number(ss);
    expect(expire).toBeGreaterThan(0);
    expect(expire).toBeLessThanOrEqual(60);
  });

  it('DR: the backends configured by the realserver script answer through the VIP, and replies bypass the director', async () => {
    const c = await spread(dl!, 84, 20);
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
    const neigh = (await dl!.client.run('ip', ['neigh', 'show'])).stdout;
    expect(neigh).toMatch(/192\.0\.2\.11[01] /);
    const status = await sh(await master(), 'pillarsctl status');
    expect(status).toMatch(new RegExp(`${DR[0]!.replace(/\./g, '\\.')}:84 +Route +1`));
  });

  it('TUN: a backend booted with the realserver profile (VIP on tunl0) answers over IP-in-IP, and its replies bypass the director', async () => {
    const c = await spread(dl!, TUN.port, 10, '/node');
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
      rs!,
      'ip -4 addr show dev tunl0; cat /sys/class/net/tunl0/statistics/rx_packets; cat /proc/sys/net/ipv4/conf/all/arp_ignore',
    );
    console.log('rs1 tunl0:\n' + tunl0.trimEnd());
    expect(tunl0).toContain(`inet ${VIP}/32`);
    const [rx, arpIgnore] = tunl0.trim().split('\n').slice(-2).map(Number);
    expect(rx).toBeGreaterThanOrEqual(10);
    expect(arpIgnore).toBe(1);
    // The client learned rs1's MAC for nothing but rs1's own address: it never answered ARP for the VIP.
    const neigh = (await dl!.client.run('ip', ['neigh', 'show', VIP])).stdout;
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
    servers90.get('web1')!.kill('SIGTERM');
    await m.waitFor(upLine(WEB[0]!, false), 30_000, from);
    const downMs = Date.now() - t0;
    console.log(`web1:90 out of the pool after ${downMs} ms (delay_loop 2 s + connect_timeout 1 s + retry 1 × 1 s)`);
    expect(downMs).toBeLessThan(2000 + 1000 + 1000 + 4000);
    const status = await sh(m, 'pillarsctl status');
    expect(status).toMatch(new RegExp(`${WEB[0]!.replace(/\./g, '\\.')}:90 .*DOWN`));
    const web2 = status.split('\n').find((l) => l.includes(`${WEB[1]}:90 `));
    expect(web2, 'web2 still in the pool').toMatch(/Masq +1 /);
    expect(web2).not.toContain('DOWN');
    const c = await spread(dl!, 90, 10);
    expect(c.web1).toBeUndefined();
    const mail = await until('a DOWN mail at the SMTP sink', 30_000, () =>
      smtp!.output.lines
        .map(parseMailLine)
        .find((x): x is Mail => x !== null && /198\.51\.100\.100.*90.*DOWN/i.test(x.subject)),
    );
    console.log('mail:', mail.subject);
    expect(mail.to).toEqual(['admin@example.org']);

    const from2 = m.lines.length;
    servers90.set('web1', await dl!.lab.host('web1').startHttpServer({ port: 90 }));
    await m.waitFor(upLine(WEB[0]!, true), 30_000, from2);
    await until('web1 answers on :90 again', 20_000, async () => (await spread(dl!, 90, 6)).web1);

    const from3 = m.lines.length;
    for (const w of ['web1', 'web2', 'web3']) servers90.get(w)!.kill('SIGTERM');
    for (const a of WEB) await m.waitFor(upLine(a, false), 30_000, from3);
    const sorry = await until('the sorry server answers', 30_000, async () => {
      const s = await spread(dl!, 90, 3);
      return s.sorry === 3 ? s : undefined;
    });
    console.log('all down:', JSON.stringify(sorry));
    await Promise.all(
      ['web1', 'web2', 'web3'].map(async (w) => servers90.set(w, await dl!.lab.host(w).startHttpServer({ port: 90 }))),
    );
    await until('backends back on :90', 30_000, async () => (await spread(dl!, 90, 3)).sorry === undefined);
  });

  it('reload without a failover: a comment, a weight and a new virtual service lose no probe and no connection; a priority change hands over once', async () => {
    const base = labConfig({ profile: 'director', directorYaml: DIRECTOR_YAML, extraYaml: ALERTS_YAML });
    const weighted = base.replace(`${WEB[2]}, port: 81, weight: 1 }`, `${WEB[2]}, port: 81, weight: 2 }`);
    const added = labConfig({
      profile: 'director',
      directorYaml: [...DIRECTOR_YAML, ...addedVirtualServer('added', 87, 90)],
      extraYaml: ALERTS_YAML,
    }).replace(`${WEB[2]}, port: 81, weight: 1 }`, `${WEB[2]}, port: 81, weight: 2 }`);
    expect(weighted).not.toBe(base);
    const first = await pair();
    // The priority change at the end: the master's priority below the backup's.
    const mi = dl!.nodes.indexOf(first.master);
    const bi = dl!.nodes.indexOf(first.backup);
    const prio = (a: number, b: number) =>
      `priority: { ${dl!.nodes[0]!.name}: ${mi === 0 ? a : b}, ${dl!.nodes[1]!.name}: ${mi === 0 ? b : a} }`;
    const { master: hi, backup: lo } = labPriorities();
    const swapped = added.replaceAll(prio(hi, lo), prio(lo - 10, lo));
    expect(swapped).not.toBe(added);
    const steps: { what: string; text: string; want: RegExp }[] = [
      { what: 'a comment', text: `${base}\n# reloaded: a comment only\n`, want: /^\d+ kept running$/ },
      // A pool change reloads only the health checker (keepalived-lvs); the VRRP keepalived that
      // holds the VIPs is not signalled.
      {
        what: 'a weight',
        text: weighted,
        want: /^\d+ kept running; reloaded in place: keepalived-lvs \(SIGHUP\)$/,
      },
      {
        what: 'a new virtual service',
        text: added,
        want: /^\d+ kept running; reloaded in place: keepalived-lvs \(SIGHUP\)$/,
      },
    ];
    // Every config goes into both nodes before anything is measured: the test channel is the
    // serial console, and a guest taking a file in 1500-byte pieces was busy enough under TCG to
    // delay its adverts past the backup's master-down interval (the lab consoles showed the backup
    // stepping in while the master received its file, before any reload). Only reloads are timed.
    const files = [...steps.map((x) => x.text), swapped];
    for (const n of dl!.nodes)
      for (const [i, text] of files.entries()) await putGuestFile((c) => sh(n, c), `/tmp/reload-${i}.yaml`, text);
    const before = await pair();
    expect(before.master).toBe(first.master);
    const client = dl!.client.spawn(
      process.execPath,
      agentArgv('conn-client', [
        JSON.stringify({ host: VIP, port: 85, count: 20, intervalMs: 200, durationMs: 900_000 }),
      ]),
    );
    expect((JSON.parse(await client.output.waitFor(/"connected"/, 30_000)) as { connected: number }).connected).toBe(
      20,
    );
    await sleep(3000); // synced to the backup (after 3 packets), for the handover at the end
    const probe = dl!.client.startProbe({
      url: `http://${VIP}/`,
      intervalMs: 20,
      timeoutMs: 1000,
      durationMs: 880_000,
      count: 44_000,
    });
    // Also when an expectation fails: the next test needs a quiet lab.
    onTestFinished(() => {
      probe.daemon.kill('SIGKILL');
      client.kill('SIGKILL');
    });
    await sleep(1000);
    /** Reload config `i` on both nodes, the backup first; the console lines of the reload per node. */
    const reloadBoth = async (i: number, order: LabVm[]): Promise<string[]> => {
      const said: string[] = [];
      for (const n of order) {
        const from = n.lines.length;
        const out = await sh(n, `pillarsctl reload /tmp/reload-${i}.yaml`);
        expect(out, `${n.name}: ${out}`).toMatch(/reloaded/);
        const line = await n.waitFor(/pillars: reload: /, 180_000, from);
        said.push(`${n.name}: ${line.text.replace(/^.*pillars: reload: /, '')}`);
      }
      return said;
    };
    const t0 = Date.now();
    const marks0 = dl!.nodes.map((n) => n.lines.length);
    const mi0 = dl!.nodes.indexOf(before.master);
    const bi0 = dl!.nodes.indexOf(before.backup);
    for (const [i, s] of steps.entries()) {
      const said = await reloadBoth(i, [before.backup, before.master]);
      console.log(`reload of ${s.what}: ${said.join(' | ')}`);
      for (const l of said) expect(l.replace(/^\S+: /, ''), `${s.what}: ${l}`).toMatch(s.want);
      await sleep(2000);
    }
    await until('the added virtual service answers', 60_000, async () =>
      Object.keys(await spread(dl!, 87, 3)).every((k) => !k.startsWith('error')),
    );
    const t1 = Date.now();
    const quiet = probe.live.filter((p) => p.t >= t0 && p.t <= t1);
    const failed = quiet.filter((p) => !p.ok);
    const why = [...new Set(failed.map((p) => p.error ?? String(p.status)))].join(', ');
    const masterChanges = dl!.nodes.map(
      (n, i) =>
        n.lines.slice(marks0[i]).filter((l) => {
          const m = STATE_LINE.exec(l.text);
          return m && m[1] === 'VI_LAN' && m[2] === 'MASTER';
        }).length,
    );
    console.log(
      `3 reloads on both nodes: ${quiet.length} probes at 20 ms, ${failed.length} lost${why ? ` (${why})` : ''}; MASTER transitions ${JSON.stringify(masterChanges)}; master stayed ${before.master.name}`,
    );
    expect(quiet.length).toBeGreaterThan(100);
    // What tells a hitless reload from the stop-and-start it replaced: the master never leaves
    // MASTER (a restarted keepalived goes STOP, sends priority 0 and comes back BACKUP, moving the
    // VIPs twice and losing seconds of probes). The master's console therefore shows no VI_LAN
    // transition at all, and the backup never hears a priority-0 advert.
    // What the emulator adds: the host can hold up a node's virtual CPU past the 0.36 s
    // master-down interval of 100 ms adverts, and the backup then steps in until the master's next
    // advert. (Three causes of such steps are gone: keepalived's real-time limit killing the VRRP
    // process during a SIGHUP re-read; any re-read by the VRRP process at all, since a pool change
    // now signals only the health checker, keepalived-lvs; and the file copies over the serial
    // channel, now done before t0.) Tolerated only in that form: each step the backup's own advert timeout, and at most 2 %
    // of probes slower than 1 s (a restart per reload loses well over 10 %). 0 on a quiet machine.
    const since = (n: LabVm, i: number) => n.lines.slice(i);
    const masterLines = since(before.master, marks0[mi0]!);
    const backupLines = since(before.backup, marks0[bi0]!);
    const masterTransitions = masterLines.filter((l) => STATE_LINE.exec(l.text)?.[1] === 'VI_LAN');
    const timeouts = backupLines.filter((l) => /\(VI_LAN\) Receive advertisement timeout/.test(l.text)).length;
    const prio0 = backupLines.filter((l) => /\(VI_LAN\) Backup received priority 0 advertisement/.test(l.text));
    console.log(`backup steps in while the master reloaded: ${masterChanges[bi0]} (advert timeouts ${timeouts})`);
    // A pool change reaches only the health checker: no VRRP process re-read its file.
    const vrrpReloads = dl!.nodes.flatMap((n, i) =>
      since(n, marks0[i]!).filter((l) => /Keepalived_vrrp\[\d+\]: Reloading/.test(l.text)),
    );
    const checkerReloads = dl!.nodes.map(
      (n, i) => since(n, marks0[i]!).filter((l) => /Keepalived_healthcheckers\[\d+\]: Reloading/.test(l.text)).length,
    );
    console.log(`health checker re-reads per node: ${JSON.stringify(checkerReloads)}`);
    expect(vrrpReloads.map((l) => l.text)).toEqual([]);
    expect(checkerReloads).toEqual([2, 2]);
    expect(masterTransitions.map((l) => l.text)).toEqual([]);
    expect(prio0.map((l) => l.text)).toEqual([]);
    expect(timeouts).toBeGreaterThanOrEqual(masterChanges[bi0]!);
    expect(failed.length).toBeLessThanOrEqual(Math.ceil(quiet.length / 50));
    expect(instanceState(before.master.lines, 'VI_LAN')).toBe('MASTER');

    // The priority change: the master's priority below the backup's, so the backup takes over once.
    const marks = dl!.nodes.map((n) => n.lines.length);
    const t2 = Date.now();
    const said = await reloadBoth(files.length - 1, [before.backup, before.master]);
    console.log(`reload of the priorities: ${said.join(' | ')}`);
    const after = await until('the backup MASTER after the priority change', 90_000, () => {
      const p = masterAndBackup(dl!.nodes);
      return p && p.master === before.backup ? p : undefined;
    });
    await sleep(3000);
    const samples = await probe.stop();
    client.kill('SIGTERM');
    await client.output.ended;
    const conns = parseConnReport(client.output.lines) ?? [];
    const handover = samples.filter((p) => p.t >= t2);
    const lost = handover.filter((p) => !p.ok).length;
    const transitions = dl!.nodes.map(
      (n, i) =>
        n.lines
          .slice(marks[i])
          .map((l) => STATE_LINE.exec(l.text))
          .filter((m) => m && m[1] === 'VI_LAN' && m[2] === 'MASTER').length,
    );
    const alive = survivors(conns, Date.now() - 5000).length;
    console.log(
      `priority change: ${after.master.name} took over; MASTER transitions ${JSON.stringify(transitions)}; ${lost} of ${handover.length} probes lost; long-lived connections alive ${alive}/20`,
    );
    // One handover: the backup's own advert timeout once the master's adverts carry 90. Under a
    // loaded emulator the backup can also step in before that, when the host starves the master
    // (see above; CI: 2 transitions). Tolerated only in that form: each with its own advert
    // timeout, and the master never MASTER again.
    const handoverTimeouts = dl!.nodes[bi]!.lines.slice(marks[bi]).filter((l) =>
      /\(VI_LAN\) Receive advertisement timeout/.test(l.text),
    ).length;
    console.log(`priority change: backup advert timeouts ${handoverTimeouts}`);
    expect(transitions[bi]).toBeGreaterThanOrEqual(1);
    expect(handoverTimeouts).toBeGreaterThanOrEqual(transitions[bi]!);
    expect(transitions[mi]).toBe(0);
    expect(alive).toBe(20);
  }, 900_000);

  it('director failover during 20 long-lived connections: short requests resume, long-lived ones are counted', async () => {
    const { master: m, backup } = await pair();
    const client = dl!.client.spawn(
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
    const probe = dl!.client.startProbe({
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
