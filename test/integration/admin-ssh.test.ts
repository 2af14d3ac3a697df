/**
 * Admin access over SSH on a booted director: dropbear runs only when the stick carries keys, and
 * listens exactly on the admin.ssh_listen address of this node; without keys nothing listens on 22.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../builder/exec.js';
import type { Vm } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS, root } from './image.js';
import { bootVm, guest, makeStick, READY, tempDir, waitStatus } from './supervisor-harness.js';

const tmp = tempDir('pillars-admin-ssh-');
const vms: Vm[] = [];
afterEach(async () => {
  await Promise.all(vms.splice(0).map((vm) => vm.stop()));
});
afterAll(() => tmp.cleanup());

const pillars = (args: string[]) => run(process.execPath, [join(root, 'bin', 'pillars.mjs'), ...args]);

/** TCP listeners in the guest, as `address:port` (ss from iproute2). */
async function listeners(vm: Vm): Promise<string[]> {
  const r = await guest(vm, 'ss -ltnH');
  expect(r.code, r.output).toBe(0);
  return r.output
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3] ?? '')
    .filter((a) => a !== '');
}

describe('admin SSH (director image, TCG)', () => {
  it(
    'dropbear listens only on the configured address with keys, and nowhere without',
    async () => {
      // A stick with a key and ssh_listen on lb1's lan address.
      const key = join(tmp.dir, 'id_ed25519');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'admin@test', '-f', key]);
      const pub = readFileSync(`${key}.pub`, 'utf8').trim();
      const withKeys = await makeStick(join(tmp.dir, 'keys.img'), 'usb');
      await pillars([
        'stick',
        '-s',
        withKeys,
        'set',
        'admin',
        JSON.stringify({ ssh_authorized_keys: [pub], ssh_listen: ['10.0.0.2:22'] }),
      ]);

      // The starter stick has no keys. Both boxes boot at once, a host core each.
      const noKeys = await makeStick(join(tmp.dir, 'nokeys.img'), 'usb');
      const vm = bootVm({ name: 'admin-ssh-keys', sticks: [{ image: withKeys, as: 'usb' }] });
      const bare = bootVm({ name: 'admin-ssh-none', sticks: [{ image: noKeys, as: 'usb' }] });
      vms.push(vm, bare);
      const ready = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
      expect(ready.text).toMatch(/\(node lb1, roles: network, .*\badmin\)$/);
      await waitStatus(vm, (s) => s.services.some((x) => x.name === 'ssh' && x.state === 'ready'), BOOT_TIMEOUT_MS);
      // Wait for the socket: dropbear binds right after it starts.
      let addrs: string[] = [];
      for (let i = 0; i < 30 && !addrs.some((a) => a.endsWith(':22')); i++) {
        addrs = await listeners(vm);
        if (!addrs.some((a) => a.endsWith(':22'))) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(addrs.filter((a) => a.endsWith(':22'))).toEqual(['10.0.0.2:22']);
      const files = await guest(
        vm,
        'stat -c "%a %n" /root/.ssh /root/.ssh/authorized_keys /run/pillars/dropbear/ed25519_host_key && cat /root/.ssh/authorized_keys',
      );
      expect(files.code, files.output).toBe(0);
      expect(files.output).toContain(
        '700 /root/.ssh\n600 /root/.ssh/authorized_keys\n600 /run/pillars/dropbear/ed25519_host_key',
      );
      expect(files.output).toContain(pub);

      // Without keys: no SSH service, nothing on port 22.
      const bareReady = await bare.waitFor(READY, BOOT_TIMEOUT_MS);
      expect(bareReady.text).toMatch(/\(node lb1, roles: network\b/);
      expect(bareReady.text).not.toMatch(/admin/);
      expect((await listeners(bare)).filter((a) => a.endsWith(':22'))).toEqual([]);
      expect((await guest(bare, 'pidof dropbear')).code).not.toBe(0);
    },
    BOOT_TIMEOUT_MS + 180_000,
  );
});
