/**
 * The safe state really drops traffic: an unconfigured appliance on a lab segment, with an address
 * put on its NIC by hand (over the test channel), answers no ping from a client in the lab — and
 * does answer once the ruleset is flushed, so it was the firewall that dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type LabHost, type LabVm } from '../../builder/vm/lab.js';
import { BOOT_TIMEOUT_MS, imagePath, requireImage } from './image.js';
import { guest, kernelAppend, READY } from './supervisor-harness.js';

const MAC = '52:54:00:00:01:01';
let lab: Lab;
let vm: LabVm;
let client: LabHost;

beforeAll(async () => {
  requireImage('director');
  lab = await Lab.create({
    segments: [{ name: 'lan', cidr: '192.0.2.0/24' }],
    hosts: [{ name: 'client', nics: [{ segment: 'lan', address: '192.0.2.100' }] }],
  });
  client = lab.host('client');
  vm = await lab.startVm({
    name: 'sup-fw',
    boot: {
      kind: 'kernel',
      kernel: imagePath('director', 'vmlinuz'),
      initrd: imagePath('director', 'initrd.img'),
      append: kernelAppend('pillars.stickwait=1'),
    },
    nics: [{ segment: 'lan', mac: MAC }],
  });
  await vm.vm.waitFor(READY, BOOT_TIMEOUT_MS);
}, BOOT_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await lab?.dispose();
});

describe('safe state firewall (lab netns, TCG)', () => {
  it('drops a ping from the lab network, answers once the ruleset is flushed', async () => {
    await vm.vm.waitFor(/pillars: UNCONFIGURED \S+ no config medium/, 30_000);
    const up = await guest(
      vm.vm,
      `for d in /sys/class/net/*; do read -r a < "$d/address"; [ "$a" = ${MAC} ] && n=\${d##*/}; done; ip link set dev "$n" up && ip addr add 192.0.2.2/24 dev "$n" && echo "$n"`,
    );
    expect(up.code).toBe(0);
    expect(await client.ping('192.0.2.2', 3, 1)).toBe(false);
    expect((await guest(vm.vm, 'nft flush ruleset')).code).toBe(0);
    expect(await client.ping('192.0.2.2', 5, 2)).toBe(true);
  });
});
