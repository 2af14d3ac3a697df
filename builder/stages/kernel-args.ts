/**
 * The kernel parameters every boot of the appliance carries: the boot menu of the ISO, the network
 * boot files, and the labs, tests and benchmarks that boot the kernel directly (so what they
 * measure is what a user boots). Pure.
 *
 * Beside `quiet`, two cut boot time without taking anything the appliance uses (measured under
 * TCG, director with its stick, kernel → /init 5.2 s → 3.6 s):
 * - `initcall_blacklist=`: the kernel's "encrypted" key type (it instantiates and self-tests
 *   ciphers, 0.4 s) and two BPF struct_ops registrations (BPF TCP congestion control and a
 *   test-only one, 0.17 s). No pillars component uses kernel keyrings' encrypted keys or BPF.
 * - `cryptomgr.notests`: the kernel's crypto self-tests at algorithm registration (upstream's own
 *   default builds leave them out; Debian's enable them): 0.7 s. They test the implementations
 *   against known answers, a developer's check; the algorithms themselves are unchanged.
 * An initcall name the kernel does not have is ignored, so a newer kernel boots as before.
 */
export const SKIPPED_INITCALLS: readonly string[] = [
  'init_encrypted',
  'bpf_tcp_ca_kfunc_init',
  'bpf_dummy_struct_ops_init',
];

export const KERNEL_ARGS = ['quiet', `initcall_blacklist=${SKIPPED_INITCALLS.join(',')}`, 'cryptomgr.notests'].join(
  ' ',
);

/**
 * The kernel command line of a lab, test or benchmark VM booted from kernel + initrd: the serial
 * console, the appliance's own parameters, no reboot on a panic (the test sees it), then `extra`.
 */
export function labKernelArgs(extra = ''): string {
  return `console=ttyS0,115200n8 ${KERNEL_ARGS} panic=-1 ${extra}`.trim();
}
