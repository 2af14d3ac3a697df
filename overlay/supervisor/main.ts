/**
 * The pillars supervisor: the appliance's brain, started (and respawned) by PID 1 (busybox init).
 *
 *   early boot (boot-plan.ts, as data) → firewall closed (cold boot) → config discovery, read-only
 *   mount, validation, node by MAC (config-source.ts) → roles planned, checked, applied
 *   (roles/index.ts) → services supervised (supervisor.ts) → `pillars: ready in N.NNs (…)`
 *
 * Any failure on the way enters the safe state (safe-state.ts): nothing of the config is applied,
 * the firewall drops everything but loopback, the console says why. Control requests arrive on
 * /run/pillars/control.sock (pillarsctl); the ACPI power button shuts down gracefully.
 *
 * After a crash init starts this program again: mounts are found in place, services whose state
 * files name live processes are re-adopted, and the firewall is not touched, so a supervisor crash
 * never drops a VIP.
 */
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { release } from 'node:os';
import { DirectoryStickFs, loadConfig, loadStickConfig, saveConfig } from '../config/index.js';
import { applyRolePlan, planRoles, selectRoles, type RolePlan, type RoleSystem } from '../roles/index.js';
import { admitConfig, type ImageInfo } from '../roles/enforce.js';
import { readImageInfo } from '../system/image.js';
import type { RoleContext } from '../roles/role.js';
import { sysBlockDevices } from '../system/block-devices.js';
import { systemConsole } from '../system/console.js';
import { BASE_MODULES, collectModaliases, hasFloppyController, listNics } from '../system/hardware.js';
import { loginServices, shadowWithRoot } from '../system/admin.js';
import { bb, describeFailure, exec, execOk } from '../system/exec.js';
import { watchPowerButton } from '../system/power-button.js';
import { createRoleFiles } from '../system/role-files.js';
import { createLogTailer, createProcessApi, type LogTailer } from '../system/processes.js';
import {
  formatStepResult,
  parseMounts,
  planEarlyBoot,
  runBootPlan,
  STATE_DIR,
  type BootExecutor,
  type BootStep,
} from './boot-plan.js';
import { parseCmdline, type BootParams } from './cmdline.js';
import { findConfig, loadFromMedium, STICK_MOUNT, type ConfigOutcome } from './config-source.js';
import { ControlError, createControlServer, type Request } from './control-protocol.js';
import { modulesFor } from './modalias.js';
import { eventEffects, openEventFifo } from './role-events.js';
import { createLogRing } from './ring.js';
import { formatIssue, renderSafeRuleset, renderUnconfiguredMessage, type ConfigIssue } from './safe-state.js';
import { createFileStateStore, SERVICE_STATE_DIR } from './state-file.js';
import { shownRoles, statusJson, statusText, type ApplianceView } from './status-view.js';
import { createSupervisor, systemClock, type Supervisor } from './supervisor.js';
import { startTestChannel, TEST_FLAG } from './test-channel.js';
import { startStatusPage } from './status-page.js';
import type { Server } from 'node:http';
import { createNodeStatus } from '../status/node-status.js';
import { peerChannelPlan } from '../status/cluster-config.js';
import { startPeerServer } from '../status/peer.js';
import type { StatusJsonLike } from '../status/snapshot.js';
import { systemReaders } from '../status/system-readers.js';

const BOOT_MARK = `${STATE_DIR}/booted`;
const ETC_DIR = `${STATE_DIR}/etc`;
const SAFE_RULESET = `${STATE_DIR}/safe.nft`;
const EVENT_FIFO = `${STATE_DIR}/events`;

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};
const uptime = () => Number(readOr('/proc/uptime', '0').split(' ')[0]);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const isMounted = (target: string) => parseMounts(readOr('/proc/self/mounts', '')).some((m) => m.target === target);

/** Carries out early-boot steps: busybox mount (Node cannot mount), fs calls, modprobe. */
const bootExecutor: BootExecutor = {
  async run(step: BootStep) {
    switch (step.kind) {
      case 'mount':
        mkdirSync(step.mount.target, { recursive: true });
        await execOk(bb(...(step.command as [string, ...string[]])));
        return;
      case 'mkdir':
        mkdirSync(step.path, { recursive: true, mode: step.mode });
        return;
      case 'symlink':
        if (!existsSync(step.path)) symlinkSync(step.target, step.path);
        return;
      case 'hostname':
        writeFileSync('/proc/sys/kernel/hostname', step.name);
        return;
      case 'modules': {
        const alias = readOr(`/lib/modules/${release()}/modules.alias`, '');
        if (!alias) throw new Error(`no /lib/modules/${release()}/modules.alias`);
        const mods = [
          ...new Set([
            ...modulesFor(collectModaliases(), alias),
            ...BASE_MODULES,
            ...(hasFloppyController() ? ['floppy'] : []),
          ]),
        ];
        // One modprobe for all (fast under emulation); when it reports a failure, one per module
        // to name the ones that are missing.
        const all = await exec(['modprobe', '-a', '-q', ...mods], { timeoutMs: 60_000 });
        const failed: string[] = [];
        if (all.code !== 0) {
          for (const m of mods) {
            const r = await exec(['modprobe', '-q', m], { timeoutMs: 30_000 });
            if (r.code !== 0) failed.push(m);
          }
        }
        if (failed.length > 0) throw new Error(`could not load ${failed.sort().join(', ')} (of ${mods.length})`);
        return;
      }
    }
  },
};

const roleSystem: RoleSystem = createRoleFiles();

interface Configured {
  outcome: Extract<ConfigOutcome, { ok: true }>;
  plan: RolePlan;
  /** What the admin should read about how the config is enforced (`firewall: none configured`). */
  notes: string[];
}

class Appliance {
  private supervisor: Supervisor | undefined;
  private tailer: LogTailer | undefined;
  private running: Configured | undefined;
  private unconfigured: { reason: string; issues: ConfigIssue[] } | undefined;
  private readonly bootLog = createLogRing(500);
  private readonly console = systemConsole();
  private shuttingDown = false;
  private announced = false;
  private fifoOpen = false;
  private readonly startedAt = Date.now();
  /** Seconds from kernel start to the ready line. */
  private readySeconds: number | undefined;
  /** Timeline, metric rings, snapshots and the peer's view (status page, /metrics, cluster status). */
  private readonly nodeStatus = createNodeStatus({
    status: () => this.statusJson() as StatusJsonLike,
    bootToReady: () => this.readySeconds,
    readers: systemReaders,
  });

  constructor(private readonly params: BootParams) {}

  /** Lines only with pillars.debug on the kernel command line. */
  debug(line: string): void {
    if (this.params.debug) this.say(`pillars: debug: ${line}`);
  }

  say(line: string): void {
    this.console.line(line);
    this.bootLog.push({ at: Date.now(), stream: 'supervisor', text: line });
  }

  private async nft(ruleset: string): Promise<void> {
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(SAFE_RULESET, ruleset);
    await execOk(['nft', '-f', SAFE_RULESET]);
  }

  async closeFirewall(): Promise<void> {
    try {
      await this.nft(renderSafeRuleset());
      this.say('pillars: firewall closed (all traffic dropped except loopback) until the config is applied');
    } catch (err) {
      this.say(`pillars: WARNING: could not close the firewall: ${message(err)}`);
    }
  }

  async enterSafeState(reason: string, issues: ConfigIssue[]): Promise<void> {
    this.unconfigured = { reason, issues };
    this.running = undefined;
    try {
      await this.nft(renderSafeRuleset());
    } catch (err) {
      this.say(`pillars: WARNING: could not load the safe ruleset: ${message(err)}`);
    }
    for (const l of renderUnconfiguredMessage(reason, issues)) this.say(l);
    this.say(`pillars: ready in ${uptime().toFixed(2)}s (UNCONFIGURED: safe state, no roles)`);
  }

  private roleContext(o: Configured['outcome']): RoleContext {
    return { config: o.config, nodeName: o.nodeName, node: o.node, etcDir: ETC_DIR, eventFifo: EVENT_FIFO };
  }

  /** The image's own profile and roles; undefined (and the reason) when it cannot say. */
  private image(): ImageInfo | string {
    try {
      return readImageInfo();
    } catch (err) {
      return `this image cannot say its profile: ${message(err)}`;
    }
  }

  /** Admit, plan, check and apply the roles of a validated config; errors on failure. */
  private async prepare(
    o: Configured['outcome'],
  ): Promise<Configured | { reason: string; errors: { path?: string; message: string }[] }> {
    const image = this.image();
    if (typeof image === 'string') return { reason: image, errors: [] };
    const admitted = admitConfig(o.config, image);
    if (!admitted.ok) return { reason: admitted.reason, errors: admitted.issues };
    const failed = (errors: string[]) => ({
      reason: `the roles for node ${o.nodeName} failed their checks`,
      errors: errors.map((m) => ({ message: m })),
    });
    const sel = selectRoles(o.config);
    if (sel.missing.length > 0) return failed([`roles ${sel.missing.join(', ')} are not in this image`]);
    this.debug(`roles: ${sel.run.join(', ')}`);
    let plan: RolePlan;
    try {
      plan = planRoles(this.roleContext(o), sel.run);
    } catch (err) {
      return failed([`rendering the roles failed: ${message(err)}`]);
    }
    // The network comes first: the other roles' checkers (keepalived -t) look for the logical
    // interface names, which exist only once the network script has renamed the NICs. If a later
    // check fails, the caller's safe state still drops all traffic and starts no role.
    const ctx = this.roleContext(o);
    const netPlan = planRoles(ctx, ['network']);
    this.debug('applying the network role');
    const net = await applyRolePlan(netPlan, roleSystem, (l) => this.debug(l));
    if (!net.ok) return failed(net.errors);
    const script = netPlan.services.find((sv) => sv.name === 'network');
    if (script) {
      this.debug(`running ${script.command.join(' ')}`);
      const r = await exec(script.command, { timeoutMs: 60_000 });
      this.debug(`network script: exit ${r.code}`);
      if (r.code !== 0) return failed([`network: ${describeFailure(script.command, r)}`]);
    }
    this.debug('applying the other roles');
    const applied = await applyRolePlan(
      {
        ...plan,
        files: plan.files.filter((f) => !netPlan.files.some((n) => n.path === f.path)),
        checks: plan.checks.filter((c) => !netPlan.checks.some((n) => n.what === c.what)),
      },
      roleSystem,
      (l) => this.debug(l),
    );
    if (!applied.ok) return failed(applied.errors);
    // Console login: only with the hash from the config; root stays locked otherwise.
    const hash = o.config.admin?.console_password_hash;
    try {
      writeFileSync('/etc/shadow', shadowWithRoot(readOr('/etc/shadow', ''), hash), { mode: 0o600 });
    } catch (err) {
      return failed([`/etc/shadow: ${message(err)}`]);
    }
    plan.services.push(...loginServices(o.config, { serialBusy: this.params.test.includes(TEST_FLAG) }));
    return { outcome: o, plan, notes: admitted.notes };
  }

  private async startServices(c: Configured): Promise<void> {
    // Role daemons (keepalived, ucarp) report state changes on the event FIFO.
    if (!this.fifoOpen && shownRoles(c.plan).some((r) => r !== 'network')) {
      this.fifoOpen = true;
      await openEventFifo(
        EVENT_FIFO,
        (ev) => {
          const fx = eventEffects(ev);
          const target = this.supervisor;
          if (!target || !target.order().includes(fx.service)) return;
          if (fx.annotate) target.annotate(fx.service, fx.annotate.key, fx.annotate.value);
          if (fx.console) {
            this.say(fx.console);
            target.log(fx.service, 'supervisor', fx.console);
          }
          if (fx.ready) target.markReady(fx.service);
        },
        (l) => this.say(l),
      ).catch((err) => this.say(`pillars: WARNING: event FIFO: ${message(err)}`));
    }

    const sup = createSupervisor(c.plan.services, {
      clock: systemClock,
      processes: createProcessApi(),
      store: createFileStateStore(),
    });
    this.supervisor = sup;
    this.tailer = createLogTailer(
      c.plan.services.map((s) => s.name),
      (svc, stream, line) => sup.log(svc, stream, line),
    );
    const required = c.plan.services.map((s) => s.name);
    const roles = shownRoles(c.plan).join(', ');
    const check = () => {
      const st = sup.status();
      if (
        !this.announced &&
        required.every((n) => ['ready', 'done'].includes(st.services.find((s) => s.name === n)?.state ?? ''))
      ) {
        this.announced = true;
        this.readySeconds ??= uptime();
        this.say(`pillars: ready in ${uptime().toFixed(2)}s (node ${c.outcome.nodeName}, roles: ${roles})`);
        if (!c.outcome.config.admin?.console_password_hash)
          this.say('pillars: no console login (admin.console_password_hash is not set in the config)');
      }
    };
    sup.subscribe((ev) => this.nodeStatus.onSupervisorEvent(ev));
    sup.subscribe((ev) => {
      if (ev.type === 'state') {
        if (ev.to === 'failed' || ev.to === 'backoff')
          this.say(`pillars: service ${ev.service}: ${ev.to}${ev.reason ? ` (${ev.reason})` : ''}`);
        if (ev.from === 'backoff' || (ev.from === 'ready' && ev.to !== 'stopping'))
          this.say(`pillars: service ${ev.service}: ${ev.from} → ${ev.to}`);
        check();
      }
    });
    sup.start();
    check();
  }

  /** The configured path: apply and supervise, or the safe state. */
  async configure(o: ConfigOutcome): Promise<void> {
    if (!o.ok) return this.enterSafeState(o.reason, o.issues);
    const hostname = o.node.hostname ?? o.nodeName;
    try {
      writeFileSync('/proc/sys/kernel/hostname', hostname);
      this.say(`pillars: boot: ✓ set hostname to ${hostname}`);
    } catch (err) {
      this.say(`pillars: boot: ! set hostname to ${hostname}: ${message(err)} (optional, continuing)`);
    }
    const prepared = await this.prepare(o);
    if ('errors' in prepared) return this.enterSafeState(prepared.reason, prepared.errors);
    for (const note of prepared.notes) this.say(`pillars: ${note}`);
    this.unconfigured = undefined;
    this.running = prepared;
    await this.startServices(prepared);
    this.serveStatusPage(o.config.admin?.status_page?.listen);
    this.servePeerChannel(o);
  }

  /** The authenticated peer channel on the sync/admin interface (admin.cluster), restarted when its plan changed. */
  private peerChannel: { key: string; server: Server } | undefined;
  private servePeerChannel(o: Configured['outcome']): void {
    const plan = peerChannelPlan(o.config, o.nodeName);
    this.nodeStatus.setPeer(plan?.peer);
    const key = plan ? JSON.stringify([plan.listen, plan.key]) : '';
    if (this.peerChannel?.key === key) return;
    this.peerChannel?.server.close();
    this.peerChannel = undefined;
    if (!plan) return;
    const server = startPeerServer({
      ...plan.listen,
      key: plan.key,
      snapshot: () => this.nodeStatus.snapshot(),
      log: (l) => this.say(l),
    });
    this.peerChannel = { key, server };
  }

  /** The read-only status page, when the config asks for one (restarted if its address changed). */
  private statusPage: { listen: string; server: Server } | undefined;
  private serveStatusPage(listen: string | undefined): void {
    if (this.statusPage?.listen === listen) return;
    this.statusPage?.server.close();
    this.statusPage = undefined;
    if (!listen) return;
    const server = startStatusPage(
      listen,
      {
        node: () => this.running?.outcome.nodeName,
        text: () => this.statusText().split('\n'),
        json: () => this.statusJson(),
        view: this.nodeStatus,
      },
      (l) => this.say(l),
    );
    this.statusPage = { listen, server };
    this.nodeStatus.start();
  }

  // ------------------------------------------------------------------ control
  private view(): ApplianceView {
    return {
      supervisor: { pid: process.pid, startedAt: this.startedAt, uptime: uptime() },
      ...(this.running ? { running: this.running } : {}),
      ...(this.unconfigured ? { unconfigured: this.unconfigured } : {}),
      ...(this.supervisor ? { services: this.supervisor.status() } : {}),
      at: Date.now(),
    };
  }

  statusJson(): Record<string, unknown> {
    return statusJson(this.view());
  }

  statusText(): string {
    return statusText(this.view());
  }

  async handle(req: Request): Promise<unknown> {
    const args = req.args ?? {};
    switch (req.cmd) {
      case 'status':
        return { json: this.statusJson(), text: this.statusText() };
      case 'cluster':
        return this.nodeStatus.cluster();
      case 'logs': {
        const name = typeof args.service === 'string' ? args.service : undefined;
        const n = typeof args.lines === 'number' ? args.lines : 200;
        if (name === undefined || name === 'supervisor')
          return { lines: this.bootLog.tail(n).map((l) => ({ ...l, service: 'supervisor' })) };
        if (!this.supervisor || !this.supervisor.order().includes(name)) {
          throw new ControlError(
            `no service ${name}`,
            `services: supervisor${this.supervisor ? ', ' + this.supervisor.order().join(', ') : ''}`,
          );
        }
        return { lines: this.supervisor.logs(name, n).map((l) => ({ ...l, service: name })) };
      }
      case 'reload':
        return this.reload(typeof args.file === 'string' ? args.file : undefined);
      case 'save':
        return this.save();
      case 'poweroff':
      case 'reboot':
        setTimeout(() => void this.shutdown(req.cmd as 'poweroff' | 'reboot', 'pillarsctl'), 200);
        return { message: `${req.cmd} in progress` };
    }
    throw new ControlError(`unknown command ${String(req.cmd)}`);
  }

  /** validate → render → check → apply; the running config stays on any failure. */
  private async reload(file: string | undefined): Promise<unknown> {
    const macs = () => listNics().map((n) => n.mac);
    let o: ConfigOutcome;
    if (file) {
      o = await loadFromMedium(
        {
          macs,
          load: async () => {
            const body = await readFile(file, 'utf8');
            const name = file.slice(file.lastIndexOf('/') + 1);
            return {
              current: { body, gen: 0, source: file, handEdited: true, notes: [] },
              result: loadConfig(body, name),
            };
          },
        },
        { provider: 'kernel-parameter', device: file },
        this.params.node,
      );
    } else {
      const device = this.running?.outcome.source.device ?? '';
      o = await loadFromMedium(
        { macs, load: () => loadStickConfig(new DirectoryStickFs(STICK_MOUNT)) },
        { provider: this.running?.outcome.source.provider ?? 'usb-sata', device },
        this.params.node,
      );
    }
    if (!o.ok)
      throw new ControlError(
        `reload refused, the running config stays: ${o.reason}`,
        undefined,
        o.issues.map((i) => formatIssue(i)),
      );
    if (this.running && o.source.checksum === this.running.outcome.source.checksum)
      return { message: 'config unchanged' };
    this.nodeStatus.markManual('pillarsctl reload');
    const prepared = await this.prepare(o);
    if ('errors' in prepared) {
      // applyRolePlan has put the running config's files back.
      throw new ControlError(
        `reload refused, the running config stays: ${prepared.reason}`,
        undefined,
        prepared.errors.map((e) => formatIssue(e)),
      );
    }
    const old = this.supervisor;
    if (old) {
      this.say('pillars: reload: stopping the services of the previous config');
      await old.shutdown();
      this.tailer?.stop();
    }
    // Oneshots recorded as done would not run again for the new config.
    await rm(SERVICE_STATE_DIR, { recursive: true, force: true });
    this.unconfigured = undefined;
    this.running = prepared;
    this.announced = false;
    await this.startServices(prepared);
    this.servePeerChannel(o);
    this.say(
      `pillars: reloaded: node ${o.nodeName}, generation ${o.source.generation}, sha256 ${o.source.checksum.slice(0, 12)}`,
    );
    return { message: `reloaded (generation ${o.source.generation})` };
  }

  /** Write the running config back to the stick: read-write only for the write, atomic, with history. */
  private async save(): Promise<unknown> {
    const r = this.running;
    if (!r) throw new ControlError('nothing to save: the appliance is unconfigured');
    if (!isMounted(STICK_MOUNT)) throw new ControlError(`no stick mounted at ${STICK_MOUNT}`);
    this.say(`pillars: saving the running config to ${r.outcome.source.device}`);
    // sync (which implies dirsync): Linux FAT otherwise defers the directory entry of a rename-over
    // until inode writeback, while the replaced file's clusters are freed at once, so a power cut
    // in between left pillars.yaml pointing at free clusters (found by the power-cut test).
    await execOk(bb('mount', '-o', 'remount,rw,sync', STICK_MOUNT));
    let gen: number;
    try {
      gen = await saveConfig(new DirectoryStickFs(STICK_MOUNT), r.outcome.body);
      await exec(bb('sync'));
    } finally {
      const back = await exec(bb('mount', '-o', 'remount,ro,async', STICK_MOUNT));
      if (back.code !== 0)
        this.say(
          `pillars: WARNING: stick stays read-write: ${describeFailure(['mount', '-o', 'remount,ro,async', STICK_MOUNT], back)}`,
        );
    }
    r.outcome.source.generation = gen;
    this.say(`pillars: saved the running config to ${r.outcome.source.device} as generation ${gen}`);
    return { message: `saved as generation ${gen}`, generation: gen };
  }

  async shutdown(kind: 'poweroff' | 'reboot', why: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.nodeStatus.markManual(`${kind} (${why})`);
    this.say(`pillars: ${kind} requested (${why}): stopping services in reverse order`);
    if (this.supervisor) {
      const { stuck } = await this.supervisor.shutdown({ afterKillMs: 1000 });
      if (stuck.length) this.say(`pillars: still running after their grace time: ${stuck.join(', ')}`);
    }
    this.tailer?.stop();
    await rm(SERVICE_STATE_DIR, { recursive: true, force: true });
    if (isMounted(STICK_MOUNT)) await exec(bb('umount', STICK_MOUNT));
    await exec(bb('sync'));
    this.say(`pillars: ${kind === 'poweroff' ? 'powering off' : 'rebooting'}`);
    await exec(bb(kind, '-f'));
  }
}

async function mountStickReadOnly(device: string): Promise<void> {
  if (isMounted(STICK_MOUNT)) return;
  mkdirSync(STICK_MOUNT, { recursive: true });
  await execOk(bb('mount', '-t', 'vfat', '-o', 'ro,nosuid,nodev,noexec', device, STICK_MOUNT));
}

/** Kernel-clock seconds of the boot's first moments, for `pillars.debug` (the benchmark's timeline). */
function startupTimes(mainAt: number): string {
  const now = uptime();
  const node = now - process.uptime();
  const init = /^\d+,\d+,(\d+),[^;]*;Run \/init as init process/m.exec(kmsgText());
  const initAt = init ? (Number(init[1]) / 1e6).toFixed(2) : '?';
  return `timeline: /init ${initAt}s, node ${node.toFixed(2)}s, supervisor ${(node + mainAt).toFixed(2)}s, early boot done ${now.toFixed(2)}s`;
}

/** The kernel log so far (non-blocking read of /dev/kmsg: one record per read). */
function kmsgText(): string {
  const lines: string[] = [];
  let fd: number | undefined;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(8192);
    for (let i = 0; i < 5000; i++) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      lines.push(buf.toString('utf8', 0, n).split('\n')[0]!);
    }
  } catch {
    /* EAGAIN: the end of the log */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const mainAt = process.uptime();
  const mounted = parseMounts(readOr('/proc/self/mounts', ''));
  const cold = !(mounted.some((m) => m.target === '/run') && existsSync(BOOT_MARK));
  const hostname = readOr('/etc/hostname', 'pillars').trim() || 'pillars';
  const steps = planEarlyBoot({ mounted, modules: cold, ...(cold ? { hostname } : {}) });
  const boot = await runBootPlan(steps, bootExecutor, { log: () => undefined });
  // Only now is /proc mounted on a cold boot.
  const params = parseCmdline(readOr('/proc/cmdline', ''));
  const app = new Appliance(params);
  if (!cold) app.say(`pillars: supervisor restarted (pid ${process.pid}); re-adopting running services`);
  for (const r of boot.results) app.say(`pillars: boot: ${formatStepResult(r, true)}`);
  if (cold && params.debug) app.debug(startupTimes(mainAt));
  for (const w of params.warnings) app.say(`pillars: WARNING: ${w}`);
  writeFileSync(BOOT_MARK, `${Date.now()}\n`);

  if (params.test.includes(TEST_FLAG)) startTestChannel('/dev/ttyS0', (l) => app.say(l));

  process.on('SIGTERM', () => process.exit(0));
  process.on('uncaughtException', (err) => app.say(`pillars: internal error: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => app.say(`pillars: internal error: ${message(err)}`));

  if (cold) await app.closeFirewall();

  const server = createControlServer({ handler: (req) => app.handle(req) });
  try {
    await server.listen();
  } catch (err) {
    app.say(`pillars: WARNING: control socket: ${message(err)}`);
  }
  watchPowerButton(
    () => void app.shutdown('poweroff', 'power button'),
    (l) => app.say(`pillars: ${l}`),
  );

  if (!boot.ok) {
    await app.enterSafeState(`early boot failed: ${boot.failures.join('; ')}`, []);
    return;
  }
  const blkid = existsSync('/usr/sbin/blkid') ? ['/usr/sbin/blkid'] : bb('blkid');
  const outcome = await findConfig(params, {
    devices: sysBlockDevices({ blkid }),
    clock: { now: () => Date.now(), sleep },
    mountReadOnly: (d) => mountStickReadOnly(d.path),
    load: () => loadStickConfig(new DirectoryStickFs(STICK_MOUNT)),
    macs: () => listNics().map((n) => n.mac),
    say: (l) => app.say(l),
  });
  await app.configure(outcome);
}

void main().catch((err) => {
  systemConsole().line(`pillars: supervisor failed: ${message(err)}`);
  // Stay alive would hide the failure; exit so init respawns us.
  setTimeout(() => process.exit(1), 1000);
});
