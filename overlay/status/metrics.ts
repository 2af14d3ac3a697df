/**
 * /metrics: a node snapshot in the Prometheus text exposition format (version 0.0.4). Names follow
 * the exporters an admin already graphs where they exist — keepalived_exporter's
 * keepalived_vrrp_state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT) and keepalived_become_master_total /
 * keepalived_release_master_total, node_exporter's node_ipvs_backend_* gauges and
 * node_nf_conntrack_entries(_limit) — and pillars_* for the rest. Families of roles that do not
 * run (firewall, conntrack, conntrackd, heartbeat, IPVS and its sync) are left out, not written as
 * zeros. Pure.
 */
import type { PoolService } from '../pillarsctl/ipvs.js';
import type { NodeSnapshot } from './snapshot.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

/** keepalived_exporter's numbering of VRRP states. */
export const VRRP_STATE_VALUE: Readonly<Record<string, number>> = {
  INIT: 0,
  STOP: 0,
  DELETED: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
};

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatFamilies(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      out.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** `addr:port` / `[v6]:port` → address and port as separate labels. */
function splitHostPort(s: string): { address: string; port: string } {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) return { address: v6[1]!, port: v6[2]! };
  const i = s.lastIndexOf(':');
  return i < 0 ? { address: s, port: '0' } : { address: s.slice(0, i), port: s.slice(i + 1) };
}

/** node_exporter's IPVS labels for a virtual service. */
export function serviceLabels(svc: Pick<PoolService, 'protocol' | 'address'>): Labels {
  if (svc.protocol === 'FWM') return { local_address: '', local_port: '0', local_mark: svc.address, proto: 'FWM' };
  const { address, port } = splitHostPort(svc.address);
  return { local_address: address, local_port: port, local_mark: '', proto: svc.protocol };
}

export function backendLabels(svc: Pick<PoolService, 'protocol' | 'address'>, rsAddress: string): Labels {
  const { address, port } = splitHostPort(rsAddress);
  return { ...serviceLabels(svc), remote_address: address, remote_port: port };
}

function fam(name: string, type: Family['type'], help: string): Family {
  return { name, type, help, samples: [] };
}

export function metricFamilies(s: NodeSnapshot, now = s.at): Family[] {
  const node = s.node ?? '';
  const f: Family[] = [];
  const add = (family: Family) => (f.push(family), family);

  add(fam('pillars_configured', 'gauge', '1 when the node runs a validated config, 0 in the safe state.')).samples.push(
    { labels: {}, value: s.configured ? 1 : 0 },
  );
  if (s.config) {
    add(fam('pillars_config_generation', 'gauge', 'Generation of the running config on the stick.')).samples.push({
      labels: {},
      value: s.config.generation,
    });
    add(fam('pillars_config_info', 'gauge', 'The running config: node name and sha256 (value 1).')).samples.push({
      labels: { node, sha256: s.config.sha256 },
      value: 1,
    });
  }
  add(fam('pillars_uptime_seconds', 'gauge', 'Seconds since the kernel booted.')).samples.push({
    labels: {},
    value: s.uptimeSeconds,
  });
  if (s.bootToReadySeconds !== undefined)
    add(fam('pillars_boot_to_ready_seconds', 'gauge', 'Seconds from kernel start to the ready line.')).samples.push({
      labels: {},
      value: s.bootToReadySeconds,
    });

  // Services
  const restarts = add(
    fam('pillars_service_restarts_total', 'counter', 'Restarts of a supervised service since the supervisor started.'),
  );
  const up = add(fam('pillars_service_up', 'gauge', '1 when a supervised service is ready (or a oneshot is done).'));
  for (const svc of s.services) {
    restarts.samples.push({ labels: { service: svc.name }, value: svc.restarts });
    up.samples.push({ labels: { service: svc.name }, value: svc.state === 'ready' || svc.state === 'done' ? 1 : 0 });
  }

  // VRRP / CARP instances and sync groups
  const kaState = add(
    fam('keepalived_vrrp_state', 'gauge', 'State of a VRRP instance (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT).'),
  );
  const becomeMaster = add(
    fam(
      'keepalived_become_master_total',
      'counter',
      'Times a VRRP instance became MASTER since the supervisor started.',
    ),
  );
  const releaseMaster = add(
    fam(
      'keepalived_release_master_total',
      'counter',
      'Times a VRRP instance left MASTER since the supervisor started.',
    ),
  );
  const state = add(
    fam(
      'pillars_failover_state',
      'gauge',
      'Current state of a VRRP/CARP instance or sync group (1 for the state it is in).',
    ),
  );
  const transitions = add(
    fam(
      'pillars_failover_transitions_total',
      'counter',
      'State changes of a VRRP/CARP instance or sync group since the supervisor started.',
    ),
  );
  const age = add(
    fam(
      'pillars_failover_state_seconds',
      'gauge',
      'Seconds since the last state change of a VRRP/CARP instance or sync group.',
    ),
  );
  const lastChange = add(
    fam(
      'pillars_failover_last_change_timestamp_seconds',
      'gauge',
      'When a VRRP/CARP instance or sync group last changed state (Unix time).',
    ),
  );
  for (const i of s.instances) {
    const l = { kind: i.kind, instance: i.name };
    if (i.kind === 'vrrp') {
      kaState.samples.push({ labels: { iname: i.name }, value: VRRP_STATE_VALUE[i.state] ?? 0 });
      becomeMaster.samples.push({ labels: { iname: i.name }, value: i.becameMaster });
      releaseMaster.samples.push({ labels: { iname: i.name }, value: i.releasedMaster });
    }
    state.samples.push({ labels: { ...l, state: i.state }, value: 1 });
    transitions.samples.push({ labels: l, value: i.transitions });
    age.samples.push({ labels: l, value: Math.max(0, Math.round((now - i.since) / 1000)) });
    lastChange.samples.push({ labels: l, value: Math.floor(i.since / 1000) });
  }

  // Heartbeat resource groups
  if (s.resourceGroups?.length) {
    const g = add(
      fam(
        'pillars_heartbeat_resource_group_state',
        'gauge',
        'State of a heartbeat resource group on this node (1 for the state it is in).',
      ),
    );
    const ga = add(
      fam(
        'pillars_heartbeat_resource_group_state_seconds',
        'gauge',
        'Seconds since a heartbeat resource group last changed state.',
      ),
    );
    for (const r of s.resourceGroups) {
      g.samples.push({ labels: { group: r.name, state: r.state }, value: 1 });
      ga.samples.push({ labels: { group: r.name }, value: Math.max(0, Math.round((now - r.since) / 1000)) });
    }
  }

  // IPVS
  if (s.pool) {
    const sv = {
      conns: add(
        fam('pillars_ipvs_service_connections_total', 'counter', 'Connections scheduled to an IPVS virtual service.'),
      ),
      inPkts: add(
        fam('pillars_ipvs_service_incoming_packets_total', 'counter', 'Packets into an IPVS virtual service.'),
      ),
      outPkts: add(
        fam('pillars_ipvs_service_outgoing_packets_total', 'counter', 'Packets out of an IPVS virtual service.'),
      ),
      inBytes: add(fam('pillars_ipvs_service_incoming_bytes_total', 'counter', 'Bytes into an IPVS virtual service.')),
      outBytes: add(
        fam('pillars_ipvs_service_outgoing_bytes_total', 'counter', 'Bytes out of an IPVS virtual service.'),
      ),
    };
    const weight = add(fam('node_ipvs_backend_weight', 'gauge', 'Weight of an IPVS real server.'));
    const active = add(
      fam('node_ipvs_backend_connections_active', 'gauge', 'Active connections to an IPVS real server.'),
    );
    const inactive = add(
      fam('node_ipvs_backend_connections_inactive', 'gauge', 'Inactive connections to an IPVS real server.'),
    );
    const rs = {
      conns: add(
        fam('pillars_ipvs_backend_connections_total', 'counter', 'Connections scheduled to an IPVS real server.'),
      ),
      inPkts: add(fam('pillars_ipvs_backend_incoming_packets_total', 'counter', 'Packets to an IPVS real server.')),
      outPkts: add(fam('pillars_ipvs_backend_outgoing_packets_total', 'counter', 'Packets from an IPVS real server.')),
      inBytes: add(fam('pillars_ipvs_backend_incoming_bytes_total', 'counter', 'Bytes to an IPVS real server.')),
      outBytes: add(fam('pillars_ipvs_backend_outgoing_bytes_total', 'counter', 'Bytes from an IPVS real server.')),
    };
    const check = add(
      fam(
        'pillars_ipvs_backend_check_up',
        'gauge',
        "1 when keepalived's health check reports a real server UP, 0 when DOWN.",
      ),
    );
    const keys = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const;
    for (const svc of s.pool) {
      const sl = serviceLabels(svc);
      if (svc.stats) for (const k of keys) sv[k].samples.push({ labels: sl, value: svc.stats[k] });
      for (const r of svc.realServers) {
        const bl = backendLabels(svc, r.address);
        weight.samples.push({ labels: bl, value: r.weight });
        active.samples.push({ labels: bl, value: r.activeConn });
        inactive.samples.push({ labels: bl, value: r.inactConn });
        if (r.stats) for (const k of keys) rs[k].samples.push({ labels: bl, value: r.stats[k] });
        if (r.check === 'UP' || r.check === 'DOWN') check.samples.push({ labels: bl, value: r.check === 'UP' ? 1 : 0 });
      }
    }
  }

  // Firewall and conntrack (when those roles run)
  if (s.firewall) {
    const p = add(
      fam('pillars_firewall_rule_packets_total', 'counter', 'Packets counted by an nftables rule with a counter.'),
    );
    const b = add(
      fam('pillars_firewall_rule_bytes_total', 'counter', 'Bytes counted by an nftables rule with a counter.'),
    );
    for (const c of s.firewall) {
      const l = { table: c.table, chain: c.chain, rule: c.rule };
      p.samples.push({ labels: l, value: c.packets });
      b.samples.push({ labels: l, value: c.bytes });
    }
  }
  if (s.conntrack) {
    add(fam('node_nf_conntrack_entries', 'gauge', 'Connection tracking entries in use.')).samples.push({
      labels: {},
      value: s.conntrack.entries,
    });
    add(fam('node_nf_conntrack_entries_limit', 'gauge', 'Maximum connection tracking entries.')).samples.push({
      labels: {},
      value: s.conntrack.limit,
    });
    const sync = s.conntrack.sync;
    if (sync) {
      const dir = (sent: number, received: number) => [
        { labels: { direction: 'sent' }, value: sent },
        { labels: { direction: 'received' }, value: received },
      ];
      add(
        fam('pillars_conntrackd_sync_messages_total', 'counter', 'conntrackd state-sync messages, by direction.'),
      ).samples.push(...dir(sync.sent, sync.received));
      add(
        fam('pillars_conntrackd_sync_bytes_total', 'counter', 'Bytes of conntrackd state-sync messages, by direction.'),
      ).samples.push(...dir(sync.sentBytes, sync.receivedBytes));
      add(
        fam(
          'pillars_conntrackd_sync_errors_total',
          'counter',
          'conntrackd state-sync messages that failed to go out or come in, or were malformed, by direction.',
        ),
      ).samples.push(...dir(sync.sendErrors, sync.receiveErrors + sync.malformed));
      add(
        fam(
          'pillars_conntrackd_sync_lost_messages_total',
          'counter',
          "conntrackd state-sync messages missing in the peer's sequence (FT-FW asks for them again).",
        ),
      ).samples.push({ labels: {}, value: sync.lost });
      if (sync.peerStates) {
        const p = sync.peerStates;
        add(
          fam(
            'pillars_conntrackd_peer_states_total',
            'counter',
            "The peer's connection states applied to this node's table, by operation.",
          ),
        ).samples.push(
          { labels: { operation: 'created' }, value: p.created },
          { labels: { operation: 'updated' }, value: p.updated },
          { labels: { operation: 'destroyed' }, value: p.destroyed },
        );
        add(
          fam(
            'pillars_conntrackd_peer_state_failures_total',
            'counter',
            "The peer's connection states that could not be applied to this node's table.",
          ),
        ).samples.push({ labels: {}, value: p.failed });
      }
    }
  }

  // IPVS connection sync (director): which of the kernel's sync daemons run, and the connection table
  if (s.ipvsSync) {
    const daemonUp = add(
      fam('pillars_ipvs_sync_daemon_up', 'gauge', "1 when the kernel's IPVS sync daemon of this role runs."),
    );
    const info = add(
      fam(
        'pillars_ipvs_sync_daemon_info',
        'gauge',
        'A running IPVS sync daemon: its interface, sync id and multicast group and port (value 1).',
      ),
    );
    for (const role of ['master', 'backup'] as const) {
      const d = s.ipvsSync.daemons.find((x) => x.role === role);
      daemonUp.samples.push({ labels: { role }, value: d ? 1 : 0 });
      if (d)
        info.samples.push({
          labels: {
            role,
            interface: d.interface,
            syncid: String(d.syncid),
            group: d.group ?? '',
            port: d.port !== undefined ? String(d.port) : '',
          },
          value: 1,
        });
    }
    const c = s.ipvsSync.connections;
    if (c)
      add(
        fam(
          'pillars_ipvs_connection_entries',
          'gauge',
          "Entries in the IPVS connection table, by origin (local: scheduled here; sync: learnt from the peer's sync daemon).",
        ),
      ).samples.push(
        { labels: { origin: 'local' }, value: c.entries - c.synced },
        { labels: { origin: 'sync' }, value: c.synced },
      );
  }
  return f;
}

export function renderMetrics(s: NodeSnapshot, now = s.at): string {
  return formatFamilies(metricFamilies(s, now));
}
