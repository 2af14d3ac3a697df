/**
 * What the supervisor needs from the operating system to run services: start one as a process
 * group, signal it, hear about exits, tell a live process from a reused pid. Declared here, next
 * to ServiceSpec; overlay/system/processes.ts implements it.
 */
import type { ServiceSpec } from './spec.js';
import type { Signal } from './machine.js';

export interface SpawnIo {
  /** One line of the child's output (the ProcessApi splits chunks into lines). */
  output(stream: 'stdout' | 'stderr', line: string): void;
}

export interface SpawnedProcess {
  pid: number;
  /**
   * Something that tells this process apart from a later one with the same pid (e.g. the start
   * time field of /proc/PID/stat). Stored in the state file and handed back to `isAlive`.
   */
  token?: string;
}

export interface ProcessApi {
  /**
   * Start the service's command as the leader of a new process group (pgid = pid). Throws if it
   * cannot be started (missing binary…); the message ends up in the service's status.
   */
  spawn(spec: ServiceSpec, io: SpawnIo): SpawnedProcess;
  /** Signal the whole process group. */
  kill(pgid: number, signal: Signal): void;
  /** Signal the group leader only (a daemon that passes the signal on to its children itself). */
  signal(pid: number, signal: Signal): void;
  /**
   * Every listener hears about every child that exits, whichever supervisor spawned it (a reload
   * hands running services from one supervisor to the next). Returns the unsubscribe function.
   */
  onExit(listener: (pid: number, code: number | null, signal: string | null) => void): () => void;
  /** Is this pid (still) the process recorded with `token`? Used for adopted processes. */
  isAlive(pid: number, token?: string): boolean;
  /**
   * Run a short command to its end, at most `timeoutMs` (then it is killed): a service's
   * `afterCrash`. Never throws; says how it ended and what it printed.
   */
  runToEnd(argv: readonly string[], timeoutMs: number): { ok: boolean; detail: string };
}
