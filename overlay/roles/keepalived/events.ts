/**
 * Lines on the supervisor's event FIFO → typed events. Pure; the supervisor reads the FIFO.
 *
 * keepalived's notify_fifo (vrrp_notify.c / check ipwrapper.c):
 *   INSTANCE "VI_1" MASTER 150          state or priority event of a vrrp_instance, effective priority
 *   GROUP "VG_1" BACKUP 0               state of a vrrp_sync_group
 *   VS [192.0.2.10]:tcp:80 UP           a virtual server's quorum is up / DOWN
 *   VS FWM 1 DOWN                       the same for a fwmark service
 *   RS [10.0.0.11]:tcp:80 [192.0.2.10]:tcp:80 DOWN    a real server left / joined the pool
 * pillars' ucarp up/down scripts (templates/ucarp-updown.sh.ejs):
 *   CARP "lan/10" MASTER                vhid 10 on lan became MASTER / BACKUP
 * pillars' heartbeat resource hook (templates/heartbeat-event.sh.ejs) and DRBD start script:
 *   HEARTBEAT "web" ACQUIRED            this node now holds resource group web / RELEASED it
 *   DRBD "r0" Primary UpToDate/UpToDate the resource's role and disk states (or REFUSED, DISKLESS)
 */

export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
/** keepalived reports these priority events on the same line shape as state changes. */
export type VrrpPriorityEvent = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

const VRRP_STATES: readonly string[] = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED'];
const VRRP_PRIORITY_EVENTS: readonly string[] = ['MASTER_RX_LOWER_PRI', 'MASTER_PRIORITY', 'BACKUP_PRIORITY'];

/** A service address as keepalived prints it: `[addr]:proto:port`, or a fwmark. */
export type ServiceAddress =
  { kind: 'ip'; address: string; protocol: string; port: number } | { kind: 'fwmark'; mark: number };

export type PillarsEvent =
  | { source: 'keepalived'; type: 'instance'; name: string; state: VrrpState; priority: number }
  | { source: 'keepalived'; type: 'instance-priority'; name: string; event: VrrpPriorityEvent; priority: number }
  | { source: 'keepalived'; type: 'group'; name: string; state: VrrpState }
  | { source: 'keepalived'; type: 'virtual-server'; service: ServiceAddress; up: boolean }
  | { source: 'keepalived'; type: 'real-server'; server: ServiceAddress; service: ServiceAddress; up: boolean }
  | { source: 'ucarp'; type: 'carp'; interface: string; vhid: number; state: 'MASTER' | 'BACKUP' }
  | { source: 'heartbeat'; type: 'heartbeat-group'; name: string; state: 'ACQUIRED' | 'RELEASED' }
  | { source: 'drbd'; type: 'drbd'; resource: string; state: string };

export type ParseResult = { ok: true; event: PillarsEvent } | { ok: false; line: string; error: string };

const TRIO = /^\[([^\]]+)\]:([a-z0-9?]+):(\d+)$/;

function parseTrio(text: string): ServiceAddress | undefined {
  const m = TRIO.exec(text);
  if (!m) return undefined;
  return { kind: 'ip', address: m[1]!, protocol: m[2]!, port: Number(m[3]) };
}

/** Service address at the start of `words`: `[a]:tcp:80` (one word) or `FWM 1` (two). */
function takeService(words: string[]): { service: ServiceAddress; rest: string[] } | undefined {
  if (words[0] === 'FWM') {
    const mark = words[1] !== undefined && /^\d+$/.test(words[1]) ? Number(words[1]) : NaN;
    return Number.isInteger(mark) ? { service: { kind: 'fwmark', mark }, rest: words.slice(2) } : undefined;
  }
  const s = words[0] !== undefined ? parseTrio(words[0]) : undefined;
  return s ? { service: s, rest: words.slice(1) } : undefined;
}

function upDown(word: string | undefined): boolean | undefined {
  return word === 'UP' ? true : word === 'DOWN' ? false : undefined;
}

/** Parse one FIFO line (without or with its trailing newline). */
export function parseEventLine(input: string): ParseResult {
  const line = input.replace(/\r?\n$/, '');
  const bad = (error: string): ParseResult => ({ ok: false, line, error });

  const hb = /^HEARTBEAT "([a-z][a-z0-9_-]{0,30})" (\S+)$/.exec(line);
  if (hb) {
    const state = hb[2]!;
    if (state !== 'ACQUIRED' && state !== 'RELEASED') return bad(`unknown heartbeat group state ${state}`);
    return { ok: true, event: { source: 'heartbeat', type: 'heartbeat-group', name: hb[1]!, state } };
  }
  const drbd = /^DRBD "([a-z][a-z0-9_-]{0,30})" ([A-Za-z/ ]{1,80})$/.exec(line);
  if (drbd) return { ok: true, event: { source: 'drbd', type: 'drbd', resource: drbd[1]!, state: drbd[2]! } };

  const named = /^(INSTANCE|GROUP|CARP) "([^"]*)" (\S+)(?: (-?\d+))?$/.exec(line);
  if (named) {
    const [, kind, name, state, prio] = named as unknown as [string, string, string, string, string | undefined];
    if (kind === 'CARP') {
      const m = /^([a-z][a-z0-9_-]{0,14})\/(\d{1,3})$/.exec(name);
      if (!m) return bad(`CARP instance "${name}" is not interface/vhid`);
      if (state !== 'MASTER' && state !== 'BACKUP') return bad(`unknown CARP state ${state}`);
      return { ok: true, event: { source: 'ucarp', type: 'carp', interface: m[1]!, vhid: Number(m[2]), state } };
    }
    if (kind === 'GROUP') {
      if (!VRRP_STATES.includes(state)) return bad(`unknown sync group state ${state}`);
      return { ok: true, event: { source: 'keepalived', type: 'group', name, state: state as VrrpState } };
    }
    if (prio === undefined) return bad('INSTANCE line without a priority');
    const priority = Number(prio);
    if (VRRP_STATES.includes(state))
      return { ok: true, event: { source: 'keepalived', type: 'instance', name, state: state as VrrpState, priority } };
    if (VRRP_PRIORITY_EVENTS.includes(state))
      return {
        ok: true,
        event: { source: 'keepalived', type: 'instance-priority', name, event: state as VrrpPriorityEvent, priority },
      };
    return bad(`unknown instance state ${state}`);
  }

  const words = line.split(' ');
  if (words[0] === 'VS') {
    const s = takeService(words.slice(1));
    if (!s) return bad('VS line without a service address');
    const up = upDown(s.rest[0]);
    if (up === undefined || s.rest.length !== 1) return bad('VS line must end in UP or DOWN');
    return { ok: true, event: { source: 'keepalived', type: 'virtual-server', service: s.service, up } };
  }
  if (words[0] === 'RS') {
    const server = words[1] !== undefined ? parseTrio(words[1]) : undefined;
    if (!server) return bad('RS line without a real server address');
    const s = takeService(words.slice(2));
    if (!s) return bad('RS line without a service address');
    const up = upDown(s.rest[0]);
    if (up === undefined || s.rest.length !== 1) return bad('RS line must end in UP or DOWN');
    return { ok: true, event: { source: 'keepalived', type: 'real-server', server, service: s.service, up } };
  }
  return bad('not an event line');
}

/**
 * Split a chunk read from the FIFO into complete lines; `rest` is an incomplete tail to prepend to
 * the next chunk (a FIFO read can end in the middle of a line).
 */
export function splitEventLines(buffered: string): { lines: string[]; rest: string } {
  const parts = buffered.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((l) => l.length > 0), rest };
}

/**
 * The supervised service an event comes from (readiness, status annotations). `running`: the
 * services of the plan; a health check's event comes from keepalived-lvs where keepalived runs
 * split, else from the one keepalived.
 */
export function eventService(ev: PillarsEvent, running: readonly string[] = []): string {
  if (ev.source === 'heartbeat') return 'heartbeat';
  if (ev.source === 'drbd') return 'drbd';
  if (ev.source === 'ucarp') return ucarpServiceName(ev.interface, ev.vhid);
  const checker = ev.type === 'virtual-server' || ev.type === 'real-server';
  return checker && running.includes(KEEPALIVED_LVS_SERVICE) ? KEEPALIVED_LVS_SERVICE : 'keepalived';
}

/** The health checker's own keepalived when keepalived runs split (VRRP and virtual servers). */
export const KEEPALIVED_LVS_SERVICE = 'keepalived-lvs';

/** One ucarp per CARP instance: `ucarp-<interface>-<vhid>`. */
export function ucarpServiceName(ifname: string, vhid: number): string {
  return `ucarp-${ifname}-${vhid}`;
}

/** The FIFO line the ucarp scripts write (kept next to the parser so both sides agree). */
export function carpEventLine(ifname: string, vhid: number, state: 'MASTER' | 'BACKUP'): string {
  return `CARP "${ifname}/${vhid}" ${state}`;
}
