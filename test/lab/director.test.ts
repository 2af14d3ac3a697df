/**
 * The director pair's long scenario (the lab suite): config reloads on a running pair that lose
 * no probe and no connection, and a priority change that hands over once. The behaviour tests
 * and `pillars drill --profile director` run in CI (test/integration/director.test.ts).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { instanceState, masterAndBackup, STATE_LINE } from '../../builder/drill/drill.js';
import { labConfig, labPriorities } from '../../builder/drill/lab-config.js';
import { addedVirtualServer, ALERTS_YAML, DIRECTOR_LAB, DIRECTOR_YAML } from '../../builder/drill/director-lab.js';
import type { LabVm } from '../../builder/vm/lab.js';
import { parseConnReport, survivors } from '../../builder/vm/conn-scripts.js';
import { agentArgv } from '../../builder/vm/agents/launch.js';
import { director, pair, sh, spread, useDirectorPair } from '../integration/director-pair.js';
import { sleep, until } from '../helpers/wait.js';
import { putGuestFile } from '../helpers/guest-file.js';

const { vip: VIP, web: WEB } = DIRECTOR_LAB;

describe('LVS director pair: reloads', () => {
  useDirectorPair();

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
    const mi = director.dl.nodes.indexOf(first.master);
    const bi = director.dl.nodes.indexOf(first.backup);
    const prio = (a: number, b: number) =>
      `priority: { ${director.dl.nodes[0]!.name}: ${mi === 0 ? a : b}, ${director.dl.nodes[1]!.name}: ${mi === 0 ? b : a} }`;
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
    for (const n of director.dl.nodes)
      for (const [i, text] of files.entries()) await putGuestFile((c) => sh(n, c), `/tmp/reload-${i}.yaml`, text);
    const before = await pair();
    expect(before.master).toBe(first.master);
    const client = director.dl.client.spawn(
      process.execPath,
      agentArgv('conn-client', [
        JSON.stringify({ host: VIP, port: 85, count: 20, intervalMs: 200, durationMs: 900_000 }),
      ]),
    );
    expect((JSON.parse(await client.output.waitFor(/"connected"/, 30_000)) as { connected: number }).connected).toBe(
      20,
    );
    await sleep(3000); // synced to the backup (after 3 packets), for the handover at the end
    const probe = director.dl.client.startProbe({
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
    const marks0 = director.dl.nodes.map((n) => n.lines.length);
    const mi0 = director.dl.nodes.indexOf(before.master);
    const bi0 = director.dl.nodes.indexOf(before.backup);
    for (const [i, s] of steps.entries()) {
      const said = await reloadBoth(i, [before.backup, before.master]);
      console.log(`reload of ${s.what}: ${said.join(' | ')}`);
      for (const l of said) expect(l.replace(/^\S+: /, ''), `${s.what}: ${l}`).toMatch(s.want);
      await sleep(2000);
    }
    await until('the added virtual service answers', 60_000, async () =>
      Object.keys(await spread(director.dl, 87, 3)).every((k) => !k.startsWith('error')),
    );
    const t1 = Date.now();
    const quiet = probe.live.filter((p) => p.t >= t0 && p.t <= t1);
    const failed = quiet.filter((p) => !p.ok);
    const why = [...new Set(failed.map((p) => p.error ?? String(p.status)))].join(', ');
    const masterChanges = director.dl.nodes.map(
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
    const vrrpReloads = director.dl.nodes.flatMap((n, i) =>
      since(n, marks0[i]!).filter((l) => /Keepalived_vrrp\[\d+\]: Reloading/.test(l.text)),
    );
    const checkerReloads = director.dl.nodes.map(
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
    const marks = director.dl.nodes.map((n) => n.lines.length);
    const t2 = Date.now();
    const said = await reloadBoth(files.length - 1, [before.backup, before.master]);
    console.log(`reload of the priorities: ${said.join(' | ')}`);
    const after = await until('the backup MASTER after the priority change', 90_000, () => {
      const p = masterAndBackup(director.dl.nodes);
      return p && p.master === before.backup ? p : undefined;
    });
    await sleep(3000);
    const samples = await probe.stop();
    client.kill('SIGTERM');
    await client.output.ended;
    const conns = parseConnReport(client.output.lines) ?? [];
    const handover = samples.filter((p) => p.t >= t2);
    const lost = handover.filter((p) => !p.ok).length;
    const transitions = director.dl.nodes.map(
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
    const handoverTimeouts = director.dl.nodes[bi]!.lines.slice(marks[bi]).filter((l) =>
      /\(VI_LAN\) Receive advertisement timeout/.test(l.text),
    ).length;
    console.log(`priority change: backup advert timeouts ${handoverTimeouts}`);
    expect(transitions[bi]).toBeGreaterThanOrEqual(1);
    expect(handoverTimeouts).toBeGreaterThanOrEqual(transitions[bi]!);
    expect(transitions[mi]).toBe(0);
    expect(alive).toBe(20);
  }, 900_000);
});
