import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { earlyBootScript, earlyModules, earlyMountSteps } from '../../../builder/stages/early-boot.js';
import { planEarlyBoot } from '../../../overlay/supervisor/boot-plan.js';
import { projectRoot } from '../../../builder/version.js';

describe('early-boot script (busybox init runs it before the supervisor)', () => {
  /** The script's mounts, each with the line it is made on: the lone /proc and every batch's fstab lines. */
  function scriptMounts(script: string): Array<{ line: number; spec: string }> {
    const out: Array<{ line: number; spec: string }> = [];
    let batch = -1;
    script.split('\n').forEach((l, i) => {
      if (l.startsWith('busybox mount -a -T /proc/self/fd/0 ')) batch = i;
      else if (l === 'FSTAB') batch = -1;
      else if (batch >= 0) {
        const [source, target, fstype, options] = l.split(' ');
        out.push({ line: batch, spec: `${fstype} ${source} ${target} ${options}` });
      } else if (l.startsWith('busybox mount -t ')) {
        const m = /^busybox mount -t (\S+) -o (\S+) (\S+) (\S+) 2>\/dev\/null$/.exec(l)!;
        out.push({ line: i, spec: `${m[1]} ${m[3]} ${m[4]} ${m[2]}` });
      }
    });
    return out;
  }
  const DIRECTOR = ['firewall', 'vrrp', 'director'];
  const plan = planEarlyBoot({ modules: false });
  const planMounts = plan.flatMap((s) =>
    s.kind === 'mount' ? [`${s.mount.fstype} ${s.mount.source} ${s.mount.target} ${s.mount.options.join(',')}`] : [],
  );

  it("mounts what the supervisor's cold-boot plan mounts, with its options, /proc first and alone", async () => {
    const script = await earlyBootScript(projectRoot, DIRECTOR);
    const mounts = scriptMounts(script);
    expect(mounts.map((m) => m.spec).sort()).toEqual([...planMounts].sort());
    expect(script.split('\n').find((l) => l.startsWith('busybox mount'))).toBe(
      'busybox mount -t proc -o nosuid,nodev,noexec proc /proc 2>/dev/null',
    );
    expect(mounts.map((m) => m.spec)).toContain('tmpfs tmpfs /tmp nosuid,nodev,mode=1777');
  });

  it('starts few programs: 13 mounts and directories in 6 busybox runs', async () => {
    const lines = (await earlyBootScript(projectRoot, DIRECTOR)).split('\n');
    expect(lines.filter((l) => l.startsWith('busybox ')).length).toBe(6);
    expect(plan.filter((s) => s.kind === 'mount' || s.kind === 'mkdir').length).toBe(13);
  });

  it('makes each directory after the mount it is in, and mounts on it only after', async () => {
    const script = await earlyBootScript(projectRoot, DIRECTOR);
    const lines = script.split('\n');
    const mounts = scriptMounts(script);
    const mountedAt = (target: string) => mounts.find((m) => m.spec.split(' ')[2] === target)!.line;
    const madeAt = (path: string) =>
      lines.findIndex((l) => l.startsWith('busybox mkdir ') && l.split(' ').includes(path));
    for (const s of plan) {
      if (s.kind === 'mkdir') {
        expect(madeAt(s.path), s.path).toBeGreaterThan(-1);
        expect(lines[madeAt(s.path)]).toContain(`-m ${s.mode.toString(8)} `);
        for (const p of planMounts.map((m) => m.split(' ')[2]!))
          if (s.path.startsWith(`${p}/`)) expect(madeAt(s.path), `${s.path} after ${p}`).toBeGreaterThan(mountedAt(p));
      }
      if (s.kind === 'mount') {
        const t = s.mount.target;
        if (plan.some((x) => x.kind === 'mkdir' && x.path === t)) expect(mountedAt(t)).toBeGreaterThan(madeAt(t));
        for (const p of planMounts.map((m) => m.split(' ')[2]!))
          if (p !== '/' && t.startsWith(`${p}/`)) expect(mountedAt(t), `${t} after ${p}`).toBeGreaterThan(mountedAt(p));
      }
    }
  });

  it('refuses a mount whose fields cannot be one fstab word each', () => {
    const odd = planEarlyBoot({ modules: false }).map((s) =>
      s.kind === 'mount' && s.mount.target === '/tmp' ? { ...s, mount: { ...s.mount, target: '/my tmp' } } : s,
    );
    expect(() => earlyMountSteps(odd)).toThrow(/"\/my tmp" cannot be an fstab field/);
  });

  it('leaves the hostname to the supervisor, and never fails the boot', async () => {
    const script = await earlyBootScript(projectRoot, DIRECTOR);
    expect(script).not.toMatch(/hostname/);
    expect(script.startsWith('#!/usr/bin/busybox sh\n')).toBe(true);
    expect(script.trimEnd().endsWith('exit 0')).toBe(true);
  });

  it('starts one modprobe in the background for the whole list, and says when it ended', async () => {
    const lines = (await earlyBootScript(projectRoot, DIRECTOR)).split('\n');
    const modprobe = lines.filter((l) => !l.startsWith('#') && l.includes('modprobe '));
    expect(modprobe).toEqual([
      '(modprobe -a -q "$@" </dev/null >/dev/null 2>&1; echo $? >/run/pillars/early-modules.rc) &',
    ]);
    expect(lines[lines.indexOf(modprobe[0]!) + 1]).toBe('echo $! >/run/pillars/early-modules.pid');
    // The state directory it writes to is made before it.
    expect(lines.findIndex((l) => /^busybox mkdir .* \/run\/pillars( |$)/.test(l))).toBeLessThan(
      lines.indexOf(modprobe[0]!),
    );
  });

  it('loads the USB hosts, then USB disk storage, then every modalias, then the rest', async () => {
    const lines = (await earlyBootScript(projectRoot, DIRECTOR)).split('\n');
    const list = lines.find((l) => l.startsWith('set -- '));
    expect(list).toBe(
      'set -- $hosts usb_storage uas sd_mod $floppy $aliases vfat nls_cp437 nls_iso8859_1 nls_utf8 nls_ascii evdev button nf_tables ip_vs',
    );
    // The modaliases come from one cat, not the shell's byte-at-a-time read; no globbing of them.
    expect(lines.filter((l) => /\bread\b/.test(l) && !l.startsWith('#'))).toEqual([]);
    expect(lines[lines.indexOf(list!) - 1]).toBe('set -f');
  });

  it('picks the USB host controllers out of the modaliases (busybox sh)', async () => {
    const script = (await earlyBootScript(projectRoot, DIRECTOR)).split('\n');
    const from = script.findIndex((l) => l.startsWith('hosts='));
    const loop = script.slice(from, script.indexOf('done', from) + 1).join('\n');
    const aliases = [
      'pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00',
      'pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30',
      'pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00',
      'pci:v00008086d00002934sv00001AF4sd00001100bc0Csc03i00',
    ].join('\n');
    const out = execFileSync('busybox', ['sh', '-c', `aliases='${aliases}'\n${loop}\necho $hosts`], {
      encoding: 'utf8',
    });
    expect(out.trim().split(' ')).toEqual([
      'pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30',
      'pci:v00008086d00002934sv00001AF4sd00001100bc0Csc03i00',
    ]);
  });

  it("names each image's role modules: a router loads no IPVS", () => {
    expect(earlyModules(['firewall', 'vrrp', 'director']).rest).toContain('ip_vs');
    expect(earlyModules(['firewall', 'vrrp']).rest).not.toContain('ip_vs');
    expect(earlyModules(['vrrp']).first).toEqual(['usb_storage', 'uas', 'sd_mod']);
  });

  it('is a script the shell accepts (sh -n)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillars-early-'));
    try {
      const file = join(dir, 'early-boot');
      writeFileSync(file, await earlyBootScript(projectRoot, DIRECTOR));
      expect(() => execFileSync('busybox', ['sh', '-n', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
