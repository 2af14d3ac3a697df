/**
 * The lab itself: namespace wiring (client ↔ backend across the bridge), the HTTP server and the
 * bounded probe loop, one appliance booted on the lan segment with its tap enslaved, link down/up
 * through the monitor, a partition, and cleanup — also when the test body throws.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Lab, listLeftovers, OutputLines, type LabVm } from '../../builder/vm/lab.js';
import { startApplianceLab } from '../../builder/vm/appliance-lab.js';
import { run, spawnDaemon } from '../../builder/exec.js';
import type { BootMedium } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS, imagePath, requireImage, root } from './image.js';
import { labKernelArgs } from '../../builder/stages/kernel-args.js';

const directBoot = (): BootMedium => ({
  kind: 'kernel',
  kernel: imagePath('director', 'vmlinuz'),
  initrd: imagePath('director', 'initrd.img'),
  append: labKernelArgs(),
});

const READY = /pillars: ready in (\d+\.\d+)s/;
const labs: Lab[] = [];
afterAll(async () => {
  await Promise.allSettled(labs.map((l) => l.dispose()));
});

async function netnsNames(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('lab', () => {
  let lab: Lab;
  let vm: LabVm;

  it('wires two segments and three hosts; the client pings a backend across the bridge', async () => {
    const t0 = performance.now();
    lab = await Lab.create({
      segments: [{ name: 'lan' }, { name: 'internal' }, { name: 'sync', cidr: null }],
      hosts: [
        { name: 'client', nics: [{ segment: 'lan' }] },
        { name: 'web1', nics: [{ segment: 'lan' }] },
        { name: 'web2', nics: [{ segment: 'internal', address: '198.51.100.21' }] },
        { name: 'peer', nics: [{ segment: 'lan' }] },
      ],
    });
    labs.push(lab);
    console.log(`lab ${lab.id} created in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(lab.host('client').address).toBe('192.0.2.100');
    expect(lab.host('web1').address).toBe('192.0.2.101');
    expect(lab.host('web2').address).toBe('198.51.100.21');
    expect(await netnsNames()).toEqual(
      expect.arrayContaining([`pillars-lab-${lab.id}`, `pillars-lab-${lab.id}-client`]),
    );
    expect(await lab.host('client').ping(lab.host('web1').address)).toBe(true);
    // Different segments are different broadcast domains: nothing routes between them.
    expect(await lab.host('client').ping('198.51.100.21', 1, 1)).toBe(false);
    // Nothing of the lab is visible in our own namespace.
    const ours = (await run('ip', ['-o', 'link', 'show'])).stdout;
    expect(ours).not.toContain(`pillars-${lab.id}`);
  });

  it('a partition drops traffic between two endpoints only, both ways; heal restores it', async () => {
    const [client, web1, peer] = [lab.host('client'), lab.host('web1'), lab.host('peer')];
    await lab.partition(client, web1);
    expect(await client.ping(web1.address, 1, 1)).toBe(false);
    expect(await web1.ping(client.address, 1, 1)).toBe(false);
    expect(await client.ping(peer.address, 1, 1)).toBe(true);
    expect(await web1.ping(peer.address, 1, 1)).toBe(true);
    await lab.heal(web1, client);
    expect(await client.ping(web1.address, 1, 1)).toBe(true);
  });

  it('serves HTTP from a backend and probes it from the client with a bounded loop', async () => {
    await lab.host('web1').startHttpServer();
    const t0 = performance.now();
    const samples = await lab.host('client').probe({
      url: `http://${lab.host('web1').address}/`,
      intervalMs: 20,
      timeoutMs: 300,
      count: 25,
      durationMs: 5000,
    });
    console.log(
      `probe: ${samples.length} samples in ${(performance.now() - t0).toFixed(0)} ms, ok ${samples.filter((s) => s.ok).length}`,
    );
    expect(samples).toHaveLength(25);
    expect(samples.every((s) => s.ok && s.body === 'web1')).toBe(true);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.t).toBeGreaterThan(samples[i - 1]!.t);

    // An address nobody holds: every request times out, and the loop still ends on its bounds.
    const t1 = performance.now();
    const dead = await lab
      .host('client')
      .probe({ url: 'http://192.0.2.99/', intervalMs: 50, timeoutMs: 200, count: 1000, durationMs: 600 });
    expect(performance.now() - t1).toBeLessThan(5000);
    expect(dead.length).toBeGreaterThan(5);
    expect(dead.length).toBeLessThan(20);
    expect(dead.every((s) => !s.ok)).toBe(true);
  });

  it('boots an appliance on the lan segment inside the lab namespace', async () => {
    requireImage('director');
    vm = await lab.startVm({
      name: 'node1',
      boot: directBoot(),
      nics: [{ segment: 'lan' }, { segment: 'sync' }],
    });
    const line = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    console.log(`node1 ready after ${(line.t / 1000).toFixed(1)} s (pid ${vm.pid})`);
    const tap = vm.tap(0);
    const links = (await lab.exec('bridge', ['link', 'show'])).stdout;
    expect(links).toMatch(new RegExp(`${tap}.*master ${lab.segment('lan').bridge}.*state forwarding`));
    const show = (await lab.exec('ip', ['link', 'show', tap])).stdout;
    expect(show).toMatch(/,UP,LOWER_UP>/);
    expect(vm.taps.map((t) => t.mac)).toEqual(['52:54:00:00:00:00', '52:54:00:00:00:01']);
  });

  it('takes the link down and up through the monitor, and partitions by tap', async () => {
    // HMP's `info network` does not show the link state; the monitor accepting the command (and
    // refusing a NIC that does not exist) is what the host can observe without guest networking.
    expect(await vm.monitor('info network')).toMatch(new RegExp(`net0: .*ifname=${vm.tap(0)}`));
    await vm.linkDown(0);
    expect(vm.linkState(0)).toBe('down');
    await vm.linkUp(0);
    expect(vm.linkState(0)).toBe('up');
    await expect(vm.linkDown(7)).rejects.toThrow(/no NIC 7/);
    await expect(vm.vm.setLink(7, false)).rejects.toThrow(/set_link net7 failed/);
    await vm.linkDown(0, 'tap');
    expect((await lab.exec('ip', ['link', 'show', vm.tap(0)])).stdout).not.toMatch(/,UP/);
    await vm.linkUp(0, 'tap');
    expect((await lab.exec('ip', ['link', 'show', vm.tap(0)])).stdout).toMatch(/,UP/);
  });

  it('partition cuts only the two VMs from each other', async () => {
    // A second, tiny VM with no image is enough to exercise the ruleset: a second set of taps.
    const other = await lab.startVm({
      name: 'node2',
      boot: directBoot(),
      nics: [{ segment: 'lan' }, { segment: 'sync' }],
      memoryMiB: 256,
    });
    await lab.partition(vm, other);
    const rules = (await lab.exec('nft', ['list', 'table', 'bridge', `pillars_${lab.id}`])).stdout;
    expect(rules).toContain(`iifname "${vm.tap(0)}" oifname "${other.tap(0)}" drop`);
    expect(rules).toContain(`iifname "${other.tap(1)}" oifname "${vm.tap(1)}" drop`);
    // Host traffic on the same bridge is unaffected.
    expect(await lab.host('client').ping(lab.host('web1').address, 1)).toBe(true);
    await lab.heal();
    expect((await lab.exec('nft', ['list', 'table', 'bridge', `pillars_${lab.id}`])).stdout).not.toContain('drop');
    expect(await other.waitExit(100)).toBeUndefined();
    await other.stop();
    expect(other.alive).toBe(false);
    expect(await other.waitExit(1000)).toBe(137);
    await other.restart();
    expect(other.alive).toBe(true);
    await other.stop();
    const log = await readFile(other.consoleLog, 'utf8');
    expect(log.match(/^# node2: QEMU pid \d+ started /gm)).toHaveLength(2);
  });

  it('dispose removes namespaces, processes and files, and is idempotent', async () => {
    const pid = vm.pid;
    const id = lab.id;
    const t0 = performance.now();
    await lab.dispose();
    console.log(`dispose took ${(performance.now() - t0).toFixed(0)} ms`);
    await lab.dispose();
    expect((await netnsNames()).filter((n) => n.includes(id))).toEqual([]);
    expect(pidGone(pid)).toBe(true);
    expect(await lab.listLeftovers()).toEqual([]);
    expect(await listLeftovers(id)).toEqual([]);
  });

  it('a lab whose test body throws is still cleaned up', async () => {
    let pid = -1;
    let id = '';
    let probePid = -1;
    const body = async (l: Lab) => {
      id = l.id;
      await l.host('web').startHttpServer();
      const p = l
        .host('client')
        .startProbe({ url: `http://${l.host('web').address}/`, intervalMs: 50, count: 10_000, durationMs: 60_000 });
      probePid = p.daemon.pid;
      const v = await l.startVm({
        name: 'doomed',
        boot: directBoot(),
        nics: [{ segment: 'lan' }],
        memoryMiB: 256,
      });
      pid = v.pid;
      throw new Error('the test failed');
    };
    const l = await Lab.create({
      segments: [{ name: 'lan' }],
      hosts: [
        { name: 'client', nics: [{ segment: 'lan' }] },
        { name: 'web', nics: [{ segment: 'lan' }] },
      ],
    });
    labs.push(l);
    await expect(
      (async () => {
        try {
          await body(l);
        } finally {
          await l.dispose();
        }
      })(),
    ).rejects.toThrow('the test failed');
    expect(pid).toBeGreaterThan(0);
    expect(pidGone(pid)).toBe(true);
    expect(pidGone(probePid)).toBe(true);
    expect(await listLeftovers(id)).toEqual([]);
  });
});

describe('standard appliance lab', () => {
  it('two appliances, a client and three backends; every backend answers the client across its segment', async () => {
    requireImage('director');
    const t0 = performance.now();
    const { lab, nodes, client, backends } = await startApplianceLab({ nodes: 2, backends: 3, boot: directBoot });
    labs.push(lab);
    try {
      expect(nodes.map((n) => n.taps.map((t) => t.segment))).toEqual([
        ['lan', 'internal', 'sync'],
        ['lan', 'internal', 'sync'],
      ]);
      expect(nodes[1]!.taps.map((t) => t.mac)).toEqual(['52:54:00:00:01:00', '52:54:00:00:01:01', '52:54:00:00:01:02']);
      expect(backends.map((b) => b.address)).toEqual(['198.51.100.100', '198.51.100.101', '198.51.100.102']);
      const ready = await Promise.all(nodes.map((n) => n.waitFor(READY, BOOT_TIMEOUT_MS)));
      console.log(
        `two appliances ready after ${ready.map((l) => (l.t / 1000).toFixed(1)).join(' s, ')} s (${((performance.now() - t0) / 1000).toFixed(1)} s with lab setup)`,
      );
      // The client is on lan, the backends on internal: only a host on internal reaches them.
      expect(await client.ping(backends[0]!.address, 1, 1)).toBe(false);
      for (const b of backends) {
        const answers = await backends[0]!.probe({
          url: `http://${b.address}/`,
          intervalMs: 20,
          count: 3,
          timeoutMs: 1000,
          durationMs: 3000,
        });
        expect(answers.map((a) => a.body)).toEqual([b.name, b.name, b.name]);
      }
      await lab.partition(nodes[0]!, nodes[1]!);
      await lab.heal();
    } finally {
      await lab.dispose();
    }
    expect(await lab.listLeftovers()).toEqual([]);
  });
});

describe('signals', () => {
  const bundleDir = join(root, 'node_modules', '.cache', 'pillars-lab-test');
  let bundle = '';

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s while a lab is alive: the process cleans up and exits %i', async (signal, exitCode) => {
    requireImage('director');
    if (!bundle) {
      // A separate Node process that builds a lab and then waits to be interrupted.
      await mkdir(bundleDir, { recursive: true });
      const entry = join(bundleDir, 'child.ts');
      await writeFile(
        entry,
        `import { startApplianceLab } from ${JSON.stringify(join(root, 'builder', 'vm', 'appliance-lab.ts'))};
const boot = () => (${JSON.stringify(directBoot())});
const { lab, nodes } = await startApplianceLab({ nodes: 1, backends: 2, boot });
const probe = lab.host('client').startProbe({ url: 'http://' + lab.host('web1').address + '/', intervalMs: 100, count: 100000, durationMs: 600000 });
process.stdout.write(JSON.stringify({ id: lab.id, dir: lab.dir, pids: [...nodes.map((n) => n.pid), probe.daemon.pid] }) + '\\n');
setInterval(() => {}, 1000);
`,
      );
      const out = join(bundleDir, 'child.mjs');
      await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        outfile: out,
        logLevel: 'error',
      });
      bundle = out;
    }
    const child = spawnDaemon(process.execPath, [bundle]);
    child.child.stderr?.resume();
    try {
      const info = JSON.parse(await new OutputLines(child).waitFor(/"id"/, 60_000)) as {
        id: string;
        dir: string;
        pids: number[];
      };
      expect(await listLeftovers(info.id)).toEqual(expect.arrayContaining([`netns pillars-lab-${info.id}`]));
      const t0 = performance.now();
      process.kill(child.pid, signal);
      const code = await Promise.race([child.exited, new Promise<number>((r) => setTimeout(() => r(-1), 40_000))]);
      console.log(`${signal}: exit ${code} after ${(performance.now() - t0).toFixed(0)} ms`);
      expect(code).toBe(exitCode);
      expect(await listLeftovers(info.id, { pids: info.pids, dirs: [info.dir] })).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  afterAll(async () => {
    await rm(bundleDir, { recursive: true, force: true });
  });
});
