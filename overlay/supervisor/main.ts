/**
 * The pillars supervisor: the appliance's brain, started (and respawned) by PID 1 (busybox init).
 * This file only wires the appliance layer (overlay/appliance: boot, configure, reload, save,
 * control) to the system (overlay/system) and the service supervisor (supervisor.ts):
 *
 *   early boot (boot-plan.ts, as data) → firewall closed (cold boot) → config discovery, read-only
 *   mount, validation, node by MAC (config-source.ts) → roles applied phase by phase and their
 *   services supervised (appliance/configure.ts) → `pillars: ready in N.NNs (…)`
 *
 * Any failure on the way enters the safe state (safe-state.ts): nothing of the config is applied,
 * the firewall drops everything but loopback, the console says why. Control requests arrive on
 * /run/pillars/control.sock (pillarsctl); the ACPI power button shuts down gracefully.
 *
 * After a crash init starts this program again: mounts are found in place, services whose state
 * files name live processes are re-adopted, and the firewall is not touched, so a supervisor crash
 * never drops a VIP.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { BOOT_MARK, announceEarlyBoot, closeOnColdBoot, earlyBoot, startAppliance } from '../appliance/boot.js';
import { createConfigSync, type ConfigSync } from '../appliance/config-sync.js';
import { EVENT_FIFO, type ConfigureDeps } from '../appliance/configure.js';
import { CONFIRM_JOURNAL, createConfirm, isProbation } from '../appliance/confirm.js';
import { createControl, type Control } from '../appliance/control.js';
import type { ApplianceSystem } from '../appliance/ports.js';
import type { ReloadDeps } from '../appliance/reload.js';
import { createApplianceState } from '../appliance/state.js';
import { createStatusViews } from '../appliance/status.js';
import { createWatchdog } from '../appliance/watchdog.js';
import { createNodeStatus } from '../status/node-status.js';
import { fetchPeerConfigState, pushPeerConfig } from '../status/peer.js';
import type { StatusJsonLike } from '../status/snapshot.js';
import { systemReaders } from '../status/system-readers.js';
import { sysBlockDevices } from '../system/block-devices.js';
import { bootExecutor } from '../system/boot-executor.js';
import { systemConsole } from '../system/console.js';
import { bb } from '../system/exec.js';
import { createHost, readOr } from '../system/host.js';
import { startupTimes } from '../system/kmsg.js';
import { createPacketFilter } from '../system/packet-filter.js';
import { watchPowerButton } from '../system/power-button.js';
import { createLogTailer, createProcessApi } from '../system/processes.js';
import { createRoleFiles } from '../system/role-files.js';
import { createStick } from '../system/stick.js';
import { createJsonJournal, createStickMarks } from '../system/stick-mark.js';
import { createWatchdogDevices } from '../system/watchdog.js';
import { parseCmdline } from './cmdline.js';
import { findConfig, STICK_MOUNT } from './config-source.js';
import { createControlServer } from './control-protocol.js';
import { openEventFifo } from './role-events.js';
import { createFileStateStore, SERVICE_STATE_DIR } from './state-file.js';
import { createSupervisor, systemClock } from './supervisor.js';
import { startTestChannel, TEST_FLAG } from './test-channel.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const mainAt = process.uptime();
  const early = await earlyBoot({
    mounts: () => readOr('/proc/self/mounts', ''),
    booted: () => existsSync(BOOT_MARK),
    hostname: () => readOr('/etc/hostname', 'pillars'),
    executor: bootExecutor,
  });
  // Only now is /proc mounted on a cold boot.
  const params = parseCmdline(readOr('/proc/cmdline', ''));
  const serialBusy = params.test.includes(TEST_FLAG);
  const tty = systemConsole();
  const state = createApplianceState({ console: (l) => tty.line(l), debug: params.debug });
  announceEarlyBoot(state, early);
  if (early.cold && params.debug) state.debug(startupTimes(mainAt));
  for (const w of params.warnings) state.say(`pillars: WARNING: ${w}`);
  writeFileSync(BOOT_MARK, `${Date.now()}\n`);

  if (serialBusy) startTestChannel('/dev/ttyS0', state.say);

  process.on('uncaughtException', (err) => state.say(`pillars: internal error: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => state.say(`pillars: internal error: ${message(err)}`));

  const host = createHost();
  const stick = createStick(STICK_MOUNT);
  // One for the boot: a reload hands running daemons to the next supervisor, which must hear
  // their exits too.
  const processes = createProcessApi();
  const sys: ApplianceSystem = {
    host,
    filter: createPacketFilter(),
    roles: createRoleFiles(),
    stick,
    services: {
      create(specs, inherit) {
        const supervisor = createSupervisor([...specs], {
          clock: systemClock,
          processes,
          store: createFileStateStore(),
          ...(inherit ? { inherit } : {}),
        });
        const tailer = createLogTailer(
          specs.map((s) => s.name),
          (svc, stream, line) => supervisor.log(svc, stream, line),
        );
        return { supervisor, stopTailing: () => tailer.stop() };
      },
      forget: () => rm(SERVICE_STATE_DIR, { recursive: true, force: true }),
      listen: (onEvent, say) => openEventFifo(EVENT_FIFO, onEvent, say),
    },
    watchdogs: createWatchdogDevices(),
  };
  const watchdog = createWatchdog({
    devices: sys.watchdogs,
    clock: systemClock,
    say: state.say,
    services: () => state.services?.supervisor.status().services,
  });
  // Asked to stop (init's shutdown, an admin's kill): a deliberate end, so the watchdog is closed
  // with the magic character; init respawns the supervisor if the box keeps running.
  process.on('SIGTERM', () => {
    watchdog.shutdown('final', 'SIGTERM');
    process.exit(0);
  });

  // The control surface and the node's status views refer to each other (closures, called only
  // once both exist).
  const statusJson = () => ctl.statusJson();
  const nodeStatus = createNodeStatus({
    status: () => statusJson() as StatusJsonLike,
    bootToReady: () => state.readySeconds,
    readers: systemReaders,
  });
  // Created once commit-confirm exists (below); the closures here only run after that.
  // eslint-disable-next-line prefer-const
  let sync: ConfigSync;
  const views = createStatusViews({
    nodeStatus,
    node: () => state.running?.outcome.nodeName,
    text: () => ctl.statusText(),
    json: statusJson,
    config: { state: () => sync.configState(), receive: (push) => sync.receive(push) },
    say: state.say,
  });
  const configureDeps: ConfigureDeps = {
    sys,
    serialBusy,
    runtime: sys.services,
    uptime: host.uptime,
    onEvent: (ev) => nodeStatus.onSupervisorEvent(ev),
    configured: (o) => {
      views.serve(o);
      void sync.configured(o);
    },
    watchdog,
  };
  const reloadDeps: ReloadDeps = {
    ...configureDeps,
    stick,
    node: params.node,
    reloaded: (o) => {
      views.servePeer(o);
      void sync.configured(o);
    },
    markManual: (why) => nodeStatus.markManual(why),
  };
  const confirm = createConfirm(state, {
    reload: reloadDeps,
    marks: createStickMarks(STICK_MOUNT),
    journal: createJsonJournal(CONFIRM_JOURNAL, isProbation),
    clock: systemClock,
    testing: serialBusy,
  });
  // Every save goes through commit-confirm's wrapper (a config on probation is saved with its mark).
  const savingStick = confirm.stick(stick);
  sync = createConfigSync(state, {
    stick: savingStick,
    link: { state: (p) => fetchPeerConfigState(p), push: (p, push) => pushPeerConfig(p, push) },
    macs: host.macs,
    image: host.image,
    nodeOverride: params.node,
  });
  const ctl: Control = createControl(state, {
    host,
    confirm,
    services: sys.services,
    stick: savingStick,
    reload: reloadDeps,
    sync,
    nodeStatus,
    watchdog,
  });

  await closeOnColdBoot(state, early, configureDeps);

  const server = createControlServer({ handler: (req) => ctl.handle(req) });
  try {
    await server.listen();
  } catch (err) {
    state.say(`pillars: WARNING: control socket: ${message(err)}`);
  }
  watchPowerButton(
    () => void ctl.shutdown('poweroff', 'power button'),
    (l) => state.say(`pillars: ${l}`),
  );

  const blkid = existsSync('/usr/sbin/blkid') ? ['/usr/sbin/blkid'] : bb('blkid');
  await startAppliance(state, early, {
    ...configureDeps,
    discover: async (say) =>
      confirm.discovered(
        await findConfig(params, {
          devices: sysBlockDevices({
            blkid,
            optical: params.config?.kind === 'label' || params.config?.kind === 'uuid',
          }),
          clock: { now: () => Date.now(), sleep },
          mountReadOnly: (d) => stick.mountReadOnly(d.path),
          // While discovery waits for a possible second stick: mount and read the first (about
          // 0.5 s of the boot under emulation). The probation check below comes after the choice.
          readAhead: (d) => {
            const before = stick.mounted();
            return {
              read: stick.mountReadOnly(d.path).then(() => stick.load()),
              undo: async () => {
                if (!before) await stick.unmount();
              },
            };
          },
          // A generation on probation that was never confirmed: the confirmed one instead.
          load: (ahead) => confirm.bootLoad(() => (ahead ? Promise.resolve(ahead) : stick.load())),
          macs: host.macs,
          say,
          debug: (l) => state.debug(l),
        }),
      ),
  });
  await confirm.afterBoot();
}

void main().catch((err) => {
  systemConsole().line(`pillars: supervisor failed: ${message(err)}`);
  // Stay alive would hide the failure; exit so init respawns us.
  setTimeout(() => process.exit(1), 1000);
});
