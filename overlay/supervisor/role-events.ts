/**
 * Role daemons' state changes as supervisor events: keepalived's notify_fifo and the ucarp scripts
 * write lines to one FIFO (/run/pillars/events); each line becomes a status annotation, a readiness
 * notice for `notify` services and a console line (`pillars: vrrp VI_1 MASTER`). The mapping is
 * pure (`eventEffects`); `openEventFifo` reads the FIFO.
 */
import { constants, createReadStream, existsSync, openSync } from 'node:fs';
import {
  eventService,
  parseEventLine,
  splitEventLines,
  type PillarsEvent,
  type ServiceAddress,
} from '../roles/keepalived/events.js';
import { BUSYBOX, exec } from '../system/exec.js';
import type { InfoValue } from './supervisor.js';

export interface EventEffects {
  service: string;
  annotate?: { key: string; value: InfoValue };
  /** The service reported itself up (readiness `notify`). */
  ready: boolean;
  console?: string;
}

const addr = (s: ServiceAddress) => (s.kind === 'fwmark' ? `fwmark ${s.mark}` : `${s.address}:${s.port}/${s.protocol}`);

/** `running`: the plan's services (which keepalived a health check's event comes from). */
export function eventEffects(ev: PillarsEvent, running: readonly string[] = []): EventEffects {
  const service = eventService(ev, running);
  switch (ev.type) {
    case 'instance':
      return {
        service,
        // STOP comes from a stopping keepalived (or the release after a crash), never a starting one.
        ready: ev.state !== 'STOP',
        annotate: { key: `vrrp.${ev.name}`, value: ev.state },
        console: `pillars: vrrp ${ev.name} ${ev.state} (priority ${ev.priority})`,
      };
    case 'instance-priority':
      return { service, ready: true, annotate: { key: `vrrp.${ev.name}.priority`, value: ev.priority } };
    case 'group':
      return {
        service,
        ready: ev.state !== 'STOP',
        annotate: { key: `vrrp-group.${ev.name}`, value: ev.state },
        console: `pillars: vrrp group ${ev.name} ${ev.state}`,
      };
    case 'virtual-server':
      return {
        service,
        ready: false,
        annotate: { key: `lvs.${addr(ev.service)}`, value: ev.up ? 'UP' : 'DOWN' },
        console: `pillars: lvs ${addr(ev.service)} ${ev.up ? 'UP' : 'DOWN'}`,
      };
    case 'real-server':
      return {
        service,
        ready: false,
        annotate: { key: `lvs.${addr(ev.service)}.${addr(ev.server)}`, value: ev.up ? 'UP' : 'DOWN' },
        console: `pillars: lvs ${addr(ev.service)} real server ${addr(ev.server)} ${ev.up ? 'UP' : 'DOWN'}`,
      };
    case 'carp':
      return {
        service,
        ready: true,
        annotate: { key: `carp.${ev.interface}/${ev.vhid}`, value: ev.state },
        console: `pillars: carp ${ev.interface}/${ev.vhid} ${ev.state}`,
      };
    case 'heartbeat-group':
      // The status keeps the time of the change: "heartbeat.web: ACQUIRED since …" is who holds the group since when.
      return {
        service,
        ready: false,
        annotate: { key: `heartbeat.${ev.name}`, value: ev.state === 'ACQUIRED' ? 'HELD' : 'RELEASED' },
        console: `pillars: heartbeat group ${ev.name} ${ev.state}`,
      };
    case 'drbd':
      return {
        service,
        ready: false,
        annotate: { key: `drbd.${ev.resource}`, value: ev.state },
        console: `pillars: drbd ${ev.resource} ${ev.state}`,
      };
  }
}

/**
 * Create the FIFO if needed and read it for the life of the supervisor. Opened read-write, so
 * the reader never sees end-of-file when a writer goes away and opening never blocks.
 */
export async function openEventFifo(
  path: string,
  onEvent: (ev: PillarsEvent) => void,
  log: (line: string) => void,
): Promise<void> {
  if (!existsSync(path)) {
    const r = await exec([BUSYBOX, 'mkfifo', '-m', '0600', path]);
    if (r.code !== 0) throw new Error(`mkfifo ${path}: ${r.stderr.trim()}`);
  }
  const fd = openSync(path, constants.O_RDWR);
  const stream = createReadStream('', { fd, encoding: 'utf8' });
  let rest = '';
  stream.on('data', (chunk) => {
    const split = splitEventLines(rest + (chunk as string));
    rest = split.rest;
    for (const line of split.lines) {
      const p = parseEventLine(line);
      if (p.ok) onEvent(p.event);
      else log(`pillars: event FIFO: ${p.error}: ${p.line}`);
    }
  });
  stream.on('error', (err) => log(`pillars: event FIFO: ${err.message}`));
}
