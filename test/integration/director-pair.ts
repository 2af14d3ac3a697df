/**
 * The LVS director pair of the lab as the director tests share it (one boot per test file): the
 * pair with the lab's director config (builder/drill/director-lab.ts), HTTP backends on three
 * segments, DR backends, an SMTP sink, a sorry server and an LVS-TUN backend booted from the
 * realserver image. `useDirectorPair()` boots it before the file's tests and disposes of it after.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  startDrillLab,
  labBoot,
  masterAndBackup,
  READY_LINE,
  writeLabStick,
  type DrillLab,
} from '../../builder/drill/drill.js';
import { labConfig, LAB_ADDRESSES } from '../../builder/drill/lab-config.js';
import { ALERTS_YAML, DIRECTOR_LAB, DIRECTOR_YAML, tunRealserverConfig } from '../../builder/drill/director-lab.js';
import { createLogger } from '../../builder/log.js';
import { guestExec } from '../../builder/vm/guest.js';
import type { HostProcess, Lab, LabVm } from '../../builder/vm/lab.js';
import { agentArgv } from '../../builder/vm/agents/launch.js';
import { renderRealserverScript } from '../../overlay/roles/realserver/index.js';
import { imagePath, requireImage } from './image.js';
import { until } from '../helpers/wait.js';

const log = createLogger();
const { vip: VIP, dr: DR, smtp: SMTP, sorry: SORRY, tun: TUN } = DIRECTOR_LAB;
const imageDir = () => dirname(imagePath('director', 'initrd.img'));

/** Answers per body for `count` fresh requests to the VIP port. */
export async function spread(dl: DrillLab, port: number, count: number, path = '/'): Promise<Record<string, number>> {
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
export async function pair(): Promise<{ master: LabVm; backup: LabVm }> {
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
export const master = async (): Promise<LabVm> => (await pair()).master;
export async function sh(vm: LabVm, cmd: string): Promise<string> {
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

/** The booted lab, for the tests (after `useDirectorPair()`'s beforeAll). */
export const director = {
  get dl(): DrillLab {
    return dl!;
  },
  get rs(): LabVm {
    return rs!;
  },
  get smtp(): HostProcess {
    return smtp!;
  },
  servers90,
};

/** Boots the pair before the enclosing block's tests and disposes of it (no leftovers) after. */
export function useDirectorPair(): void {
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
}
