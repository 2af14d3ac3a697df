/**
 * The role contract. A role turns the validated config into files (pure `render`, ejs templates),
 * names the daemon checker for them, and declares the services the supervisor runs. Roles never
 * touch the system themselves: the appliance layer writes the files, runs the checks, applies
 * sysctls and hands the services to the supervisor, so a role is fully unit-testable.
 */
import type { PillarsConfig, NodeConfig } from '../config/index.js';
import type { ServiceSpec } from '../service/index.js';
import type { RoleName } from './table.js';

export type { RoleName } from './table.js';

export interface RoleContext {
  readonly config: PillarsConfig;
  /** The node this box is (chosen by MAC or pillars.node=). */
  readonly nodeName: string;
  readonly node: NodeConfig;
  /** Where rendered files live in the running system (default /run/pillars/etc). */
  readonly etcDir: string;
  /** The supervisor's event FIFO that daemons' notify hooks write to (e.g. keepalived notify_fifo). */
  readonly eventFifo: string;
  /** ttyS0 carries the test channel (a test boot): no login prompt there. */
  readonly serialBusy?: boolean;
}

/** A rendered file's path: `name` under the context's etcDir (a trailing slash there is ignored). */
export function etcPath(ctx: Pick<RoleContext, 'etcDir'>, name: string): string {
  return `${ctx.etcDir.replace(/\/+$/, '')}/${name}`;
}

export interface RenderedFile {
  /** Absolute path in the running system. */
  path: string;
  content: string;
  mode?: number;
}

/**
 * A system file of the image a role owns part of (root's line of /etc/shadow): the new content is
 * a pure function of the current one, so the other lines stay as the image has them.
 */
export interface FileEdit {
  path: string;
  mode: number;
  edit(current: string): string;
}

export interface RoleCheck {
  /** What is checked, for messages: "keepalived.conf". */
  what: string;
  /** argv of the daemon's own checker, e.g. ['keepalived', '-t', '-f', '/run/pillars/etc/keepalived.conf']. */
  command: string[];
}

export interface Role {
  readonly name: RoleName;
  /**
   * Roles this one starts after (their services are dependencies of ours). The phase comes from
   * the role table (table.ts); `after` orders roles within a phase and names cross-phase needs.
   */
  readonly after: readonly RoleName[];
  /** Pure: the files this role needs for this node. */
  render(ctx: RoleContext): RenderedFile[];
  /** Pure: the image's system files this role edits (optional). */
  edits?(ctx: RoleContext): FileEdit[];
  /** The daemon's own checker for the rendered files, run before anything is applied. */
  checks(ctx: RoleContext): RoleCheck[];
  /** sysctl key → value this role needs (e.g. net.ipv4.ip_forward = 1). */
  sysctls(ctx: RoleContext): Record<string, string>;
  /** Services the supervisor runs for this role, in the supervisor's ServiceSpec form. */
  services(ctx: RoleContext): ServiceSpec[];
}
