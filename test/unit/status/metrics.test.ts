import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { renderMetrics, serviceLabels } from '../../../overlay/status/metrics.js';
import { directorSnapshot, FTFW_NODE2_SYNC, T0 } from './fixtures.js';
import type { ConntrackdSync } from '../../../overlay/status/conntrackd-stats.js';

const SYNC: ConntrackdSync = {
  ...FTFW_NODE2_SYNC,
  malformed: 1,
  errors: 4,
  peerStates: { created: 14, updated: 2, destroyed: 1, failed: 0 },
};

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => spawnSync(p, ['--version']).status === 0);

describe('/metrics exposition', () => {
  const text = renderMetrics(directorSnapshot());

  it('states of VRRP instances as keepalived_exporter numbers them, with transitions and age', () => {
    expect(text).toContain('keepalived_vrrp_state{iname="VI_LAN"} 2');
    expect(text).toContain('keepalived_become_master_total{iname="VI_LAN"} 1');
    expect(text).toContain('pillars_failover_state{kind="vrrp",instance="VI_LAN",state="MASTER"} 1');
    expect(text).toContain('pillars_failover_transitions_total{kind="vrrp",instance="VI_LAN"} 1');
    // since T0+5 s, snapshot at T0+65 s
    expect(text).toContain('pillars_failover_state_seconds{kind="vrrp",instance="VI_LAN"} 60');
    expect(text).toContain('pillars_failover_state{kind="vrrp-group",instance="VG_LAB",state="MASTER"} 1');
  });

  it('IPVS per virtual service and per real server, with node_exporter labels and check state', () => {
    expect(text).toContain(
      'pillars_ipvs_service_connections_total{local_address="192.0.2.10",local_port="80",local_mark="",proto="TCP"} 30',
    );
    expect(text).toContain(
      'node_ipvs_backend_connections_active{local_address="192.0.2.10",local_port="80",local_mark="",proto="TCP",remote_address="198.51.100.100",remote_port="80"} 2',
    );
    expect(text).toContain(
      'pillars_ipvs_backend_outgoing_bytes_total{local_address="192.0.2.10",local_port="80",local_mark="",proto="TCP",remote_address="198.51.100.101",remote_port="80"} 42000',
    );
    expect(text).toContain(
      'pillars_ipvs_backend_check_up{local_address="192.0.2.10",local_port="80",local_mark="",proto="TCP",remote_address="198.51.100.102",remote_port="80"} 0',
    );
    expect(text).toContain(
      'node_ipvs_backend_weight{local_address="",local_port="0",local_mark="7",proto="FWM",remote_address="2001:db8::5",remote_port="443"} 3',
    );
  });

  it('services, boot time and config generation', () => {
    expect(text).toContain('pillars_service_restarts_total{service="keepalived"} 2');
    expect(text).toContain('pillars_service_up{service="network"} 1');
    expect(text).toContain('pillars_boot_to_ready_seconds 21.47');
    expect(text).toContain('pillars_config_generation 4');
    expect(text).toContain(`pillars_config_info{node="lb1",sha256="${'ab'.repeat(32)}"} 1`);
  });

  it('leaves out the families of roles that do not run, and adds them when they do', () => {
    expect(text).not.toMatch(/pillars_firewall|node_nf_conntrack|pillars_conntrackd|pillars_heartbeat/);
    const s = directorSnapshot();
    s.firewall = [{ table: 'inet pillars', chain: 'input', rule: 'ssh from "admin"\nnet', packets: 12, bytes: 720 }];
    s.conntrack = { entries: 42, limit: 65536, sync: SYNC };
    s.resourceGroups = [{ name: 'web', state: 'running', since: T0 }];
    const t = renderMetrics(s);
    // label values escaped as the format says
    expect(t).toContain(
      'pillars_firewall_rule_packets_total{table="inet pillars",chain="input",rule="ssh from \\"admin\\"\\nnet"} 12',
    );
    expect(t).toContain('node_nf_conntrack_entries 42');
    expect(t).toContain('pillars_heartbeat_resource_group_state{group="web",state="running"} 1');
  });

  it("conntrackd's sync link each way, lost messages and the peer's states", () => {
    const s = directorSnapshot();
    s.conntrack = { entries: 42, limit: 65536, sync: SYNC };
    const t = renderMetrics(s);
    for (const line of [
      'pillars_conntrackd_sync_messages_total{direction="sent"} 12',
      'pillars_conntrackd_sync_messages_total{direction="received"} 19',
      'pillars_conntrackd_sync_bytes_total{direction="received"} 1344',
      'pillars_conntrackd_sync_errors_total{direction="sent"} 3',
      // receive errors and malformed messages
      'pillars_conntrackd_sync_errors_total{direction="received"} 1',
      'pillars_conntrackd_sync_lost_messages_total 11',
      'pillars_conntrackd_peer_states_total{operation="created"} 14',
      'pillars_conntrackd_peer_state_failures_total 0',
    ])
      expect(t).toContain(`\n${line}\n`);
    // conntrackd without the peer-state section (not asked): no family of it, not zeros
    const { peerStates: _, ...noPeer } = SYNC;
    s.conntrack = { entries: 42, limit: 65536, sync: noPeer };
    expect(renderMetrics(s)).not.toContain('pillars_conntrackd_peer_states_total');
  });

  it('IPVS sync: both daemons up with their settings, the connection table by origin', () => {
    expect(text).toContain('\npillars_ipvs_sync_daemon_up{role="master"} 1\n');
    expect(text).toContain('\npillars_ipvs_sync_daemon_up{role="backup"} 1\n');
    expect(text).toContain(
      '\npillars_ipvs_sync_daemon_info{role="backup",interface="sync",syncid="51",group="224.0.0.81",port="8848"} 1\n',
    );
    expect(text).toContain('\npillars_ipvs_connection_entries{origin="local"} 16\n');
    expect(text).toContain('\npillars_ipvs_connection_entries{origin="sync"} 0\n');
    const backup = renderMetrics(directorSnapshot('lb2'));
    expect(backup).toContain('\npillars_ipvs_connection_entries{origin="sync"} 16\n');
    // a daemon that stopped is 0, not absent, so an alert can fire on it
    const s = directorSnapshot();
    s.ipvsSync = { daemons: s.ipvsSync!.daemons.filter((d) => d.role === 'master') };
    const t = renderMetrics(s);
    expect(t).toContain('\npillars_ipvs_sync_daemon_up{role="backup"} 0\n');
    expect(t).not.toContain('pillars_ipvs_sync_daemon_info{role="backup"');
    expect(t).not.toContain('pillars_ipvs_connection_entries');
    // not a director: no IPVS sync families at all
    const fw = directorSnapshot();
    delete fw.ipvsSync;
    expect(renderMetrics(fw)).not.toContain('pillars_ipvs_sync');
  });

  it('every family has HELP and TYPE once, before its samples', () => {
    const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]!);
    expect(new Set(names).size).toBe(names.length);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
      expect(names).toContain(name);
    }
  });

  it('fwmark services label the mark, not an address', () => {
    expect(serviceLabels({ protocol: 'FWM', address: '7' })).toEqual({
      local_address: '',
      local_port: '0',
      local_mark: '7',
      proto: 'FWM',
    });
  });

  it('passes promtool check metrics (Debian package prometheus)', () => {
    if (!promtool) {
      console.warn(
        'metrics: promtool is not installed on this host (Debian package prometheus; `pillars doctor --install`); skipping',
      );
      return;
    }
    const s = directorSnapshot();
    s.firewall = [{ table: 'inet pillars', chain: 'input', rule: 'ssh', packets: 12, bytes: 720 }];
    s.conntrack = { entries: 42, limit: 65536, sync: SYNC };
    s.resourceGroups = [{ name: 'web', state: 'running', since: T0 }];
    const r = spawnSync(promtool, ['check', 'metrics'], { input: renderMetrics(s), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
