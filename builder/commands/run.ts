/** `pillars run`: start a lab with a pair of appliances for a person to try, until Ctrl-C. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UserError } from '../errors.js';
import { buildOptions, makeContext } from './build.js';
import { parseCli } from './args.js';
import { build } from '../build.js';
import { startApplianceLab } from '../vm/appliance-lab.js';
import { TEST_CHANNEL_PARAM } from '../vm/guest.js';
import { LAB_ADDRESSES, labChoices, labConfig, timersChoice } from '../drill/lab-config.js';
import { firewallYaml } from '../drill/firewall-lab.js';
import { labBoot, serviceUrl, writeLabSticks } from '../drill/drill.js';
import type { LabVm } from '../vm/lab.js';
import { startHeartbeatLab } from '../drill/heartbeat-lab.js';
import { RECORDS_URL } from '../drill/heartbeat-drill.js';
import { LAB_POWER } from '../drill/heartbeat-config.js';

const USAGE =
  'usage: pillars run [--profile router|director|firewall|heartbeat] [--nodes 1|2] [--timers stock|default|fast] [--failover vrrp|carp] [--watchdog SECONDS] [--minutes N]';

export const runCommand: Command = {
  name: 'run',
  summary: 'start a private QEMU lab with a pair of appliances, a client and backends to try',
  help: `${USAGE}

Boots the profile's image (built first if missing) on N appliances with lab config sticks, in a
private network namespace: segment lan 192.0.2.0/24 (client 192.0.2.100, VIP ${LAB_ADDRESSES.lanVip}),
internal 198.51.100.0/24 (backends web1-3 from .100 for the director, gateway VIP
${LAB_ADDRESSES.internalVip}) and a sync link. The VIPs fail over by VRRP (keepalived), or with
--failover carp by CARP (ucarp; router profile). --watchdog SECONDS gives each appliance QEMU's
i6300ESB watchdog (its reset reboots the VM) and the config admin.watchdog with that timeout: stop
a node's supervisor (kill -STOP) and it resets. Prints every console line of the appliances that
starts with "pillars:" and how to reach the lab; stops after --minutes (default 60) or on Ctrl-C,
and always removes every namespace, tap and VM.

--profile heartbeat boots the heartbeat pair instead: their second serial ports wired back to
back (heartbeat's serial medium; the first stays the console), a virtio disk each as the DRBD
backing disk (created in the lab directory and deleted with it), DRBD on the sync link, the
records service on VIP ${LAB_ADDRESSES.lanVip}:80, and the lab's power controller on lan as
the STONITH device (timers: fast by default, heartbeat's classic ha.cf 2 s / 30 s with --timers
default, or its built-in 1 s / 30 s with --timers stock).

The lab boots with the test control channel (${TEST_CHANNEL_PARAM}); never use that on real boxes.
Needs root and QEMU. Exit codes: 0 stopped, 1 the lab failed, 2 usage error, 130 Ctrl-C.`,
  async run(argv, ctx) {
    const { values, positionals } = parseCli(
      argv,
      {
        profile: { type: 'string', short: 'p' },
        nodes: { type: 'string' },
        timers: { type: 'string' },
        failover: { type: 'string' },
        watchdog: { type: 'string' },
        minutes: { type: 'string' },
      },
      USAGE,
    );
    const bad = (m: string) => new UserError(m, { hint: USAGE, exitCode: EXIT.usage });
    if (positionals.length) throw bad(`unexpected argument '${positionals[0]}'`);
    if (values.profile === 'heartbeat') return runHeartbeat(values, bad, ctx);
    const { profile, timers, failover } = labChoices(values, 'director', bad);
    const nodes = Number(values.nodes ?? 2);
    if (nodes !== 1 && nodes !== 2) throw bad('--nodes must be 1 or 2');
    const minutes = Number(values.minutes ?? 60);
    if (!(minutes > 0 && minutes <= 24 * 60)) throw bad('--minutes must be between 1 and 1440');
    const watchdogS = values.watchdog === undefined ? undefined : Number(values.watchdog);
    if (watchdogS !== undefined && !(Number.isInteger(watchdogS) && watchdogS >= 10 && watchdogS <= 600))
      throw bad('--watchdog must be a timeout of 10 to 600 seconds');

    const bctx = makeContext(buildOptions(['--profile', profile]), ctx);
    await build(bctx); // incremental: seconds when only the overlay changed
    const tmp = await mkdtemp(join(tmpdir(), 'pillars-run-'));
    try {
      const sticks = await writeLabSticks(
        tmp,
        nodes,
        profile,
        labConfig({
          profile,
          timers,
          failover,
          ...(profile === 'firewall' ? { extraYaml: firewallYaml({ conntrackd: true }) } : {}),
          ...(watchdogS !== undefined ? { watchdogS } : {}),
        }),
      );
      const {
        lab,
        nodes: vms,
        client,
      } = await startApplianceLab({
        nodes,
        backends: profile === 'director' ? 3 : profile === 'firewall' ? 1 : 0,
        backendGateway: LAB_ADDRESSES.internalVip,
        boot: () => labBoot(bctx.outDir),
        sticks: (i) => [{ image: sticks[i]!, as: 'usb' }],
        watchdog: watchdogS !== undefined,
      });
      try {
        ctx.stdout(
          [
            `lab ${lab.netns} is up:`,
            ...vms.map((v) => `  ${v.name}: QEMU pid ${v.pid}, console log ${v.consoleLog}`),
            `  client shell:   ip netns exec ${client.netns} sh`,
            `  the service:    ip netns exec ${client.netns} wget -qO- ${serviceUrl(profile)}`,
            `  status page:    ip netns exec ${client.netns} wget -qO- http://${LAB_ADDRESSES.lanNode(0)}:8080/`,
            'Ctrl-C stops the lab.',
          ].join('\n'),
        );
        await followConsoles(vms, minutes, ctx.stdout);
      } finally {
        await lab.dispose();
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return EXIT.ok;
  },
};

/** Print the appliances' "pillars:" console lines until `minutes` have passed. */
async function followConsoles(vms: readonly LabVm[], minutes: number, out: (line: string) => void): Promise<void> {
  const seen = vms.map(() => 0);
  const end = Date.now() + minutes * 60_000;
  while (Date.now() < end) {
    vms.forEach((v, i) => {
      const lines = v.lines;
      if (lines.length < seen[i]!) seen[i] = 0; // restarted
      for (const l of lines.slice(seen[i])) if (/pillars[:]/.test(l.text)) out(`${v.name}  ${l.text}`);
      seen[i] = lines.length;
    });
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runHeartbeat(
  values: Record<string, unknown>,
  bad: (m: string) => Error,
  ctx: Parameters<Command['run']>[1],
): Promise<number> {
  const timers = timersChoice(values.timers, 'fast', bad);
  if (values.failover !== undefined) throw bad('--failover is for router and director; heartbeat is the failover');
  if (values.watchdog !== undefined)
    throw bad('--watchdog is for router, director and firewall: in the heartbeat lab heartbeat feeds the watchdog');
  if (values.nodes !== undefined && values.nodes !== '2') throw bad('the heartbeat pair is always 2 nodes');
  const minutes = Number(values.minutes ?? 60);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw bad('--minutes must be between 1 and 1440');
  const bctx = makeContext(buildOptions(['--profile', 'heartbeat']), ctx);
  await build(bctx);
  const hl = await startHeartbeatLab({ imageDir: bctx.outDir, timers, log: (m) => ctx.log.info(`lab: ${m}`) });
  try {
    ctx.stdout(
      [
        `lab ${hl.lab.netns} is up (heartbeat pair, ${timers} timers):`,
        ...hl.nodes.map((v) => `  ${v.name}: QEMU pid ${v.pid}, console log ${v.consoleLog}`),
        `  client shell:   ip netns exec ${hl.client.netns} sh`,
        `  the service:    ip netns exec ${hl.client.netns} wget -qO- ${RECORDS_URL}/`,
        `  power off node: ip netns exec ${hl.client.netns} wget -qO- --post-data= http://${LAB_POWER.address}:${LAB_POWER.port}/power/node1/off`,
        'Ctrl-C stops the lab.',
      ].join('\n'),
    );
    await followConsoles(hl.nodes, minutes, ctx.stdout);
  } finally {
    await hl.dispose();
  }
  return EXIT.ok;
}
