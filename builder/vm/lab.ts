/**
 * The lab: a private network namespace with one bridge per segment, QEMU appliances plugged in by
 * taps, and hosts (a client, backends) in their own namespaces on veth pairs. It runs the plan
 * from plan.ts and always cleans up: `dispose()` is idempotent and also runs on Ctrl-C/SIGTERM.
 *
 *   const lab = await Lab.create({ segments: [{ name: 'lan' }, { name: 'internal' }],
 *     hosts: [{ name: 'client', nics: [{ segment: 'lan' }] }, { name: 'web1', nics: [{ segment: 'internal' }] }] });
 *   try { … } finally { await lab.dispose(); }
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as defaultRun, spawnDaemon, type Daemon, type RunOptions, type RunResult, type Runner } from '../exec.js';
import { registerCleanup } from './cleanup.js';
import {
  belongsToLab,
  labNetns,
  partitionCommand,
  planLab,
  randomLabId,
  tapCommands,
  tapName,
  teardownCommands,
  vmMac,
  type Cmd,
  type LabPlan,
  type LabSpec,
  type PlannedHost,
  type PlannedSegment,
} from './plan.js';
import { agentArgv } from './agents/launch.js';
import { parseProbeLine, probeConfig, type ProbeOptions, type ProbeSample } from './scripts.js';
import { Vm, type BootMedium, type ConsoleLine, type StickDrive, type VmSpec } from './qemu.js';

/** Every command the lab runs is bounded by this. */
const COMMAND_TIMEOUT_MS = 20_000;
/** Grace between SIGTERM and SIGKILL for host processes. */
const KILL_GRACE_MS = 1_000;

export interface LabOptions {
  /** 4 characters [0-9a-z]; random (and checked to be unused) by default. */
  id?: string;
  run?: Runner;
  /** Register Ctrl-C/SIGTERM cleanup while the lab lives (default true). */
  handleSignals?: boolean;
  log?: (message: string) => void;
}

export interface LabVmNic {
  segment: string;
  /** Default: vmMac(vmIndex, nicIndex) = 52:54:00:00:<vm>:<nic>. */
  mac?: string;
  model?: string;
}

export interface LabVmSpec {
  name: string;
  boot: BootMedium;
  nics: readonly LabVmNic[];
  firmware?: 'bios' | 'uefi';
  memoryMiB?: number;
  cpus?: number;
  sticks?: readonly StickDrive[];
  /** Index used for default MACs; default: the order of startVm calls. */
  index?: number;
  /** Second serial port wired to another VM's (heartbeat's null-modem link). */
  serialLink?: VmSpec['serialLink'];
  /** Local disks (DRBD backing disks); the lab creates and deletes the images. */
  disks?: VmSpec['disks'];
  /** A hardware watchdog (QEMU's i6300ESB) that resets the VM; see VmSpec. */
  watchdog?: VmSpec['watchdog'];
  /** A reset boots the VM again instead of ending QEMU; see VmSpec. */
  onReset?: VmSpec['onReset'];
}

/** Lines of a daemon's stdout (and a bounded tail of its stderr), with a bounded wait for a matching line. */
export class OutputLines {
  readonly lines: string[] = [];
  /** Resolves when stdout has closed: every line the process printed is in `lines`. */
  readonly ended: Promise<void>;
  private stderr = '';
  private partial = '';
  private waiters: Array<(line: string) => boolean> = [];

  constructor(readonly daemon: Daemon) {
    const stdout = daemon.child.stdout;
    stdout?.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const p of parts) this.push(p);
    });
    daemon.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4096);
    });
    this.ended = stdout
      ? new Promise((resolve) => {
          stdout.on('close', () => {
            if (this.partial) this.push(this.partial);
            this.partial = '';
            resolve();
          });
        })
      : Promise.resolve();
  }

  private push(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => !w(line));
  }

  /** The last lines of its stderr (for error messages). */
  stderrTail(lines = 10): string {
    return this.stderr.trimEnd().split('\n').slice(-lines).join('\n');
  }

  waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      let waiter: (line: string) => boolean = () => false;
      const fail = (why: string) => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        const err = this.stderrTail();
        reject(
          new Error(`pid ${this.daemon.pid}: ${why} a line matching ${re}` + (err ? `; its stderr:\n${err}` : '')),
        );
      };
      const timer = setTimeout(() => fail(`no output within ${timeoutMs} ms of`), timeoutMs);
      waiter = (line) => {
        if (!re.test(line)) return false;
        clearTimeout(timer);
        resolve(line);
        return true;
      };
      this.waiters.push(waiter);
      void this.ended.then(async () => {
        const code = await this.daemon.exited;
        if (this.waiters.includes(waiter)) fail(`exited (${code}) before printing`);
      });
    });
  }
}

/** `p`, or undefined after `ms`; the timer never outlives the race. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A host namespace inside the lab (a client or a backend). */
export class LabHost {
  constructor(
    private readonly lab: Lab,
    readonly plan: PlannedHost,
  ) {}

  get name(): string {
    return this.plan.name;
  }
  get netns(): string {
    return this.plan.netns;
  }
  /** The address of its first NIC that has one. */
  get address(): string {
    const a = this.plan.nics.find((n) => n.address)?.address;
    if (!a) throw new Error(`host ${this.name} has no address`);
    return a;
  }

  /** Run a short command inside the host's namespace. */
  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.lab.runner('ip', ['netns', 'exec', this.netns, cmd, ...args], {
      timeoutMs: COMMAND_TIMEOUT_MS,
      ...opts,
    });
  }

  /**
   * Start a long-running process inside the host's namespace; the lab kills it on dispose. Its
   * stdout is collected as lines (`output`) and stderr as a bounded tail, so it never blocks on a pipe.
   */
  spawn(cmd: string, args: readonly string[]): HostProcess {
    const d = this.lab.track(spawnDaemon('ip', ['netns', 'exec', this.netns, cmd, ...args]));
    return Object.assign(d, { output: new OutputLines(d) });
  }

  /** `ping -c count` from this host; true when at least one reply came back. */
  async ping(address: string, count = 3, waitS = 2): Promise<boolean> {
    const r = await this.run('ping', ['-n', '-c', String(count), '-W', String(waitS), '-i', '0.2', address], {
      allowFailure: true,
      timeoutMs: count * (waitS + 1) * 1000 + 5000,
    });
    return r.code === 0;
  }

  /** A tiny HTTP server answering every request with `name` (default: this host's name). */
  async startHttpServer(
    opts: { name?: string; port?: number; bind?: string; readyTimeoutMs?: number } = {},
  ): Promise<HostProcess> {
    const d = this.spawn(
      process.execPath,
      agentArgv('http-server', [opts.name ?? this.name, String(opts.port ?? 80), opts.bind ?? '0.0.0.0']),
    );
    await d.output.waitFor(/"listening"/, opts.readyTimeoutMs ?? 10_000);
    return d;
  }

  /** An SMTP sink on this host (alert tests); received mails are JSON lines on its output (parseMailLine). */
  async startSmtpSink(opts: { port?: number; readyTimeoutMs?: number } = {}): Promise<HostProcess> {
    const d = this.spawn(process.execPath, agentArgv('smtp-sink', [String(opts.port ?? 25)]));
    await d.output.waitFor(/"listening"/, opts.readyTimeoutMs ?? 10_000);
    return d;
  }

  /**
   * Start the bounded probe loop in this host's namespace. `samples` fills as answers arrive;
   * `done` resolves with all of them (sorted by send time) when the loop ends or is stopped.
   */
  startProbe(opts: ProbeOptions): Probe {
    const cfg = probeConfig(opts);
    const d = this.spawn(process.execPath, agentArgv('probe', [JSON.stringify(cfg)]));
    const samples: ProbeSample[] = [];
    const out = d.output;
    const limit = cfg.durationMs + cfg.timeoutMs + 5000;
    const done = (async () => {
      await within(d.exited, limit);
      d.kill('SIGKILL');
      await within(out.ended, 2000);
      for (const l of out.lines) {
        const s = parseProbeLine(l);
        if (s) samples.push(s);
      }
      return samples.sort((a, b) => a.t - b.t);
    })();
    return {
      daemon: d,
      get live() {
        return out.lines.map(parseProbeLine).filter((s): s is ProbeSample => s !== null);
      },
      done,
      stop: async () => {
        d.kill('SIGTERM');
        return done;
      },
    };
  }

  /** Run the probe loop to its end and return the timeline. */
  probe(opts: ProbeOptions): Promise<ProbeSample[]> {
    return this.startProbe(opts).done;
  }
}

/** A VM or host, by handle or by name. */
export type Endpoint = LabVm | LabHost | string;

export type HostProcess = Daemon & { output: OutputLines };

export interface Probe {
  daemon: Daemon;
  /** The answers so far (parsed on each access). */
  readonly live: ProbeSample[];
  done: Promise<ProbeSample[]>;
  stop(): Promise<ProbeSample[]>;
}

export interface LabTap {
  tap: string;
  segment: string;
  mac: string;
}

/** An appliance in the lab: its QEMU process (replaced on restart), taps, monitor and console log. */
export class LabVm {
  private current: Vm;
  /** Every QEMU PID this VM ever had (for leftover checks). */
  readonly pids: number[] = [];
  private readonly linksDown = new Set<number>();

  constructor(
    private readonly lab: Lab,
    readonly spec: LabVmSpec,
    readonly taps: readonly LabTap[],
    readonly monitorSocket: string,
    readonly consoleLog: string,
  ) {
    this.current = this.boot();
  }

  private boot(): Vm {
    const vm = Vm.start({
      name: this.spec.name,
      boot: this.spec.boot,
      firmware: this.spec.firmware,
      memoryMiB: this.spec.memoryMiB,
      cpus: this.spec.cpus,
      sticks: this.spec.sticks,
      ...(this.spec.serialLink ? { serialLink: this.spec.serialLink } : {}),
      ...(this.spec.disks ? { disks: this.spec.disks } : {}),
      ...(this.spec.watchdog ? { watchdog: this.spec.watchdog } : {}),
      ...(this.spec.onReset ? { onReset: this.spec.onReset } : {}),
      nics: this.taps.map((t, i) => ({ tap: t.tap, mac: t.mac, model: this.spec.nics[i]?.model })),
      monitorSocket: this.monitorSocket,
      consoleLog: this.consoleLog,
      netns: this.lab.netns,
    });
    this.lab.track(vm.proc);
    this.pids.push(vm.pid);
    return vm;
  }

  get name(): string {
    return this.spec.name;
  }
  get vm(): Vm {
    return this.current;
  }
  get pid(): number {
    return this.current.pid;
  }
  get alive(): boolean {
    return this.current.alive;
  }
  get lines(): readonly ConsoleLine[] {
    return this.current.lines;
  }

  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<ConsoleLine> {
    return this.current.waitFor(re, timeoutMs, from);
  }

  monitor(command: string): Promise<string> {
    return this.current.monitor(command);
  }

  /** Carrier loss on NIC `nic` as the guest sees it: `set_link` via the monitor, or the tap taken down. */
  async linkDown(nic = 0, how: 'monitor' | 'tap' = 'monitor'): Promise<void> {
    await this.setLink(nic, false, how);
  }

  async linkUp(nic = 0, how: 'monitor' | 'tap' = 'monitor'): Promise<void> {
    await this.setLink(nic, true, how);
  }

  /** The link state last set through this handle (QEMU's HMP does not report it). */
  linkState(nic = 0): 'up' | 'down' {
    this.tap(nic);
    return this.linksDown.has(nic) ? 'down' : 'up';
  }

  private async setLink(nic: number, up: boolean, how: 'monitor' | 'tap'): Promise<void> {
    const tap = this.tap(nic);
    if (how === 'monitor') await this.current.setLink(nic, up);
    else await this.lab.exec('ip', ['link', 'set', tap, up ? 'up' : 'down']);
    if (up) this.linksDown.delete(nic);
    else this.linksDown.add(nic);
  }

  tap(nic: number): string {
    const t = this.taps[nic];
    if (!t) throw new Error(`${this.name} has no NIC ${nic}`);
    return t.tap;
  }

  /** ACPI power button. */
  powerdown(): Promise<void> {
    return this.current.powerdown();
  }

  /** QEMU's exit code once it has exited, or undefined if it is still running after `timeoutMs`. */
  waitExit(timeoutMs: number): Promise<number | undefined> {
    return within(this.current.proc.exited, timeoutMs);
  }

  /** Power loss: SIGKILL of QEMU, without waiting. */
  kill(): void {
    this.current.kill();
  }

  /** Power loss and wait (bounded) until QEMU is gone. */
  stop(): Promise<void> {
    return this.current.stop();
  }

  /** Boot again on the same taps, MACs and sticks (after a kill or power-off). */
  async restart(): Promise<void> {
    if (this.current.alive) await this.current.stop();
    // A fresh QEMU starts with every link up.
    for (const nic of this.linksDown)
      if (this.taps[nic]) await this.lab.exec('ip', ['link', 'set', this.tap(nic), 'up']);
    this.linksDown.clear();
    this.current = this.boot();
  }
}

export class Lab {
  readonly vms: LabVm[] = [];
  private readonly hostsByName: Map<string, LabHost>;
  private readonly daemons: Daemon[] = [];
  private readonly everPids: number[] = [];
  private nextTap = 0;
  private cuts: Array<[string, string]> = [];
  /** Namespaces this lab created (and so may delete): never someone else's on an id clash. */
  private readonly created = new Set<string>();
  private disposing: Promise<void> | null = null;
  private unregister: () => void = () => {};

  private constructor(
    readonly plan: LabPlan,
    readonly dir: string,
    readonly runner: Runner,
    private readonly log: (m: string) => void,
  ) {
    this.hostsByName = new Map(plan.hosts.map((h) => [h.name, new LabHost(this, h)]));
    const asyncDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
    if (asyncDispose) Object.defineProperty(this, asyncDispose, { value: () => this.dispose() });
  }

  /** Build a lab. On any failure, whatever was created is removed before the error is thrown. */
  static async create(spec: LabSpec, opts: LabOptions = {}): Promise<Lab> {
    const runner = opts.run ?? defaultRun;
    const id = opts.id ?? (await freeLabId(runner));
    const plan = planLab(spec, id);
    const dir = await mkdtemp(join(tmpdir(), `${labNetns(id)}-`));
    const lab = new Lab(plan, dir, runner, opts.log ?? (() => {}));
    if (opts.handleSignals !== false)
      lab.unregister = registerCleanup({ dispose: () => lab.dispose(), killNow: () => lab.killNow() });
    try {
      for (const c of plan.setup) await lab.runCmd(c);
    } catch (e) {
      await lab.dispose();
      throw e;
    }
    lab.log(
      `lab ${id}: namespace ${plan.netns}, segments ${plan.segments.map((s) => `${s.name}=${s.bridge}${s.cidr ? ` ${s.cidr}` : ''}`).join(', ')}`,
    );
    return lab;
  }

  get id(): string {
    return this.plan.id;
  }
  get netns(): string {
    return this.plan.netns;
  }

  host(name: string): LabHost {
    const h = this.hostsByName.get(name);
    if (!h) throw new Error(`lab ${this.id}: no host ${name} (have: ${[...this.hostsByName.keys()].join(', ')})`);
    return h;
  }

  get hosts(): LabHost[] {
    return [...this.hostsByName.values()];
  }

  segment(name: string): PlannedSegment {
    const s = this.plan.segments.find((x) => x.name === name);
    if (!s) throw new Error(`lab ${this.id}: no segment ${name}`);
    return s;
  }

  vm(name: string): LabVm {
    const v = this.vms.find((x) => x.name === name);
    if (!v) throw new Error(`lab ${this.id}: no VM ${name}`);
    return v;
  }

  /** Run a command inside the lab namespace (bridges and taps live there). */
  exec(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.runner('ip', ['netns', 'exec', this.netns, cmd, ...args], { timeoutMs: COMMAND_TIMEOUT_MS, ...opts });
  }

  /**
   * Start a long-running process inside the lab namespace (a capture on a segment's bridge); the
   * lab kills it on dispose. The caller reads its stdout and stderr.
   */
  spawn(cmd: string, args: readonly string[]): Daemon {
    this.assertAlive();
    return this.track(spawnDaemon('ip', ['netns', 'exec', this.netns, cmd, ...args]));
  }

  /** @internal: remember a process so that dispose() kills it. */
  track(d: Daemon): Daemon {
    this.assertAlive();
    this.daemons.push(d);
    this.everPids.push(d.pid);
    return d;
  }

  /** Create taps for the VM's NICs on their segments and boot it inside the lab namespace. */
  async startVm(spec: LabVmSpec): Promise<LabVm> {
    this.assertAlive();
    if (this.vms.some((v) => v.name === spec.name)) throw new Error(`lab ${this.id}: VM ${spec.name} exists`);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(spec.name)) throw new Error(`VM name must be [A-Za-z0-9_-]{1,32}: ${spec.name}`);
    const index = spec.index ?? this.vms.length;
    const taps = spec.nics.map((n, i): LabTap => ({
      tap: tapName(this.id, this.nextTap++),
      segment: n.segment,
      mac: n.mac ?? vmMac(index, i),
    }));
    for (const c of tapCommands(this.plan, taps)) await this.runCmd(c);
    const vm = new LabVm(
      this,
      spec,
      taps,
      join(this.dir, `${spec.name}.monitor`),
      join(this.dir, `${spec.name}.console.log`),
    );
    this.vms.push(vm);
    this.log(
      `lab ${this.id}: ${spec.name} started (pid ${vm.pid}, taps ${taps.map((t) => `${t.tap}@${t.segment}`).join(', ')}, console ${vm.consoleLog})`,
    );
    return vm;
  }

  /** The bridge ports of a VM (its taps) or a host (its lab-side veth ends), with their segments. */
  ports(who: Endpoint): Array<{ port: string; segment: string }> {
    if (who instanceof LabVm) return who.taps.map((t) => ({ port: t.tap, segment: t.segment }));
    if (who instanceof LabHost) return who.plan.nics.map((n) => ({ port: n.labIf, segment: n.segment }));
    if (this.vms.some((v) => v.name === who)) return this.ports(this.vm(who));
    return this.ports(this.host(who));
  }

  /**
   * Cut every link between two endpoints (VMs or hosts; all their ports, all segments) while all
   * other traffic flows on: a partition between the two appliances, say, with clients still
   * reaching both.
   */
  async partition(a: Endpoint, b: Endpoint): Promise<void> {
    this.assertAlive();
    const pb = this.ports(b);
    for (const x of this.ports(a))
      for (const y of pb)
        if (
          x.segment === y.segment &&
          !this.cuts.some(([p, q]) => (p === x.port && q === y.port) || (p === y.port && q === x.port))
        )
          this.cuts.push([x.port, y.port]);
    await this.runCmd(partitionCommand(this.plan, this.cuts));
  }

  /** Heal the cut between two endpoints, or every cut when called without arguments. */
  async heal(a?: Endpoint, b?: Endpoint): Promise<void> {
    this.assertAlive();
    if (a === undefined || b === undefined) this.cuts = [];
    else {
      const pa = new Set(this.ports(a).map((p) => p.port));
      const pb = new Set(this.ports(b).map((p) => p.port));
      this.cuts = this.cuts.filter(([x, y]) => !((pa.has(x) && pb.has(y)) || (pb.has(x) && pa.has(y))));
    }
    await this.runCmd(partitionCommand(this.plan, this.cuts));
  }

  /** What of this lab still exists: namespaces, host-side links, live PIDs, the temp directory. */
  listLeftovers(): Promise<string[]> {
    return listLeftovers(this.id, { pids: this.everPids, dirs: [this.dir], run: this.runner });
  }

  /**
   * Remove everything: host processes (SIGTERM, then SIGKILL of the process group), QEMU (SIGKILL),
   * any process still inside the lab's namespaces (by PID), the namespaces (and with them bridges,
   * taps and veths), the temp directory. Idempotent; every step runs even if an earlier one fails.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.doDispose();
    return this.disposing;
  }

  private async doDispose(): Promise<void> {
    const errors: string[] = [];
    const step = async (what: string, f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
      }
    };
    await step('stop processes', async () => {
      for (const d of this.daemons) d.kill('SIGTERM');
      await within(Promise.all(this.daemons.map((d) => d.exited)), KILL_GRACE_MS);
      for (const d of this.daemons) d.kill('SIGKILL');
      await within(Promise.all(this.daemons.map((d) => d.exited)), 5000);
    });
    const namespaces = [...this.plan.hosts.map((h) => h.netns), this.netns].filter((n) => this.created.has(n));
    await step('kill stray processes', async () => {
      for (const ns of namespaces) {
        const r = await this.runner('ip', ['netns', 'pids', ns], { allowFailure: true, timeoutMs: COMMAND_TIMEOUT_MS });
        if (r.code !== 0) continue;
        for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
          if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
          this.log(`lab ${this.id}: killing stray pid ${pid} in ${ns}`);
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone meanwhile */
          }
        }
      }
    });
    for (const c of teardownCommands(this.plan)) {
      if (!this.created.has(c.args[2] ?? '')) continue;
      await step(c.args.join(' '), async () => {
        const r = await this.runner(c.cmd, c.args, { allowFailure: true, timeoutMs: COMMAND_TIMEOUT_MS });
        if (r.code !== 0 && !/No such file|not found|Invalid/i.test(r.stderr)) throw new Error(r.stderr.trim());
      });
    }
    const keep = process.env.PILLARS_LAB_LOGS;
    if (keep)
      await step(`keep the consoles in ${keep}`, async () => {
        const to = join(keep, `lab-${this.id}`);
        await mkdir(to, { recursive: true });
        for (const f of await readdir(this.dir)) if (f.endsWith('.log')) await copyFile(join(this.dir, f), join(to, f));
        this.log(`lab ${this.id}: consoles kept in ${to}`);
      });
    await step('remove temp dir', () => rm(this.dir, { recursive: true, force: true }));
    this.unregister();
    this.log(`lab ${this.id}: disposed${errors.length ? ` with errors:\n  ${errors.join('\n  ')}` : ''}`);
    if (errors.length) throw new Error(`lab ${this.id}: cleanup incomplete:\n  ${errors.join('\n  ')}`);
  }

  /** At process exit: SIGKILL every process group we started (no commands can run any more). */
  private killNow(): void {
    for (const d of this.daemons) d.kill('SIGKILL');
  }

  private assertAlive(): void {
    if (this.disposing) throw new Error(`lab ${this.id} is disposed`);
  }

  private async runCmd(c: Cmd): Promise<void> {
    await this.runner(c.cmd, c.args, {
      timeoutMs: COMMAND_TIMEOUT_MS,
      ...(c.input !== undefined ? { input: c.input } : {}),
    });
    if (c.cmd === 'ip' && c.args[0] === 'netns' && c.args[1] === 'add' && c.args[2]) this.created.add(c.args[2]);
  }
}

/** A lab id whose namespace does not exist yet (bounded tries). */
async function freeLabId(runner: Runner): Promise<string> {
  const r = await runner('ip', ['netns', 'list'], { timeoutMs: COMMAND_TIMEOUT_MS });
  const taken = new Set(r.stdout.split('\n').map((l) => l.split(/\s+/)[0]));
  for (let i = 0; i < 100; i++) {
    const id = randomLabId();
    if (![...taken].some((n) => n !== undefined && belongsToLab(n, id))) return id;
  }
  throw new Error('no free lab id after 100 tries');
}

/**
 * Everything with lab `id` in its name that still exists: network namespaces, links in the
 * caller's namespace (there should never be any), PIDs still running, directories still present.
 */
export async function listLeftovers(
  id: string,
  opts: { pids?: readonly number[]; dirs?: readonly string[]; run?: Runner } = {},
): Promise<string[]> {
  const runner = opts.run ?? defaultRun;
  const found: string[] = [];
  const ns = await runner('ip', ['netns', 'list'], { timeoutMs: COMMAND_TIMEOUT_MS });
  for (const l of ns.stdout.split('\n')) {
    const name = l.split(/\s+/)[0];
    if (name && belongsToLab(name, id)) found.push(`netns ${name}`);
  }
  const links = await runner('ip', ['-o', 'link', 'show'], { timeoutMs: COMMAND_TIMEOUT_MS });
  for (const l of links.stdout.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(l)?.[1];
    if (name && belongsToLab(name, id)) found.push(`link ${name}`);
  }
  for (const pid of opts.pids ?? []) if (pid > 0 && pidAlive(pid)) found.push(`pid ${pid}`);
  for (const d of opts.dirs ?? []) if (existsSync(d)) found.push(`dir ${d}`);
  return found;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
