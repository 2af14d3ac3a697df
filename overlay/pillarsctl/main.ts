/**
 * pillarsctl: the admin's handle on the running appliance, over the supervisor's control socket
 * (/run/pillars/control.sock).
 */
import { sendRequest } from '../supervisor/control-protocol.js';
import { parseArgs, SAVE_EXIT, USAGE } from './args.js';
import { formatLogLine, type LogLine } from '../supervisor/ring.js';
import { directorRuns, ipvsadmPassthrough, poolSection, readPool } from './pool.js';
import { firewallRuns, firewallSection, readFirewallCounters } from './firewall.js';
import { formatCluster } from '../status/cluster-text.js';
import type { ClusterView } from '../status/cluster.js';
import { clusterSection, heartbeatRuns, readCluster } from './cluster.js';
import { conntrackdRuns } from '../status/conntrackd-stats.js';
import { readConntrackdSync, readIpvsSync } from '../status/sync-readers.js';
import { conntrackdSection, ipvsSyncSection } from './sync.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  // Expert pass-through: ipvsadm itself, not the supervisor.
  if (argv[0] === 'ipvs') return ipvsadmPassthrough(argv.slice(1));
  const p = parseArgs(argv);
  if ('error' in p) {
    process.stderr.write(`pillarsctl: ${p.error}\n${USAGE}\n`);
    return 2;
  }
  let res;
  try {
    // A save with the peer waits for the peer's stick write as well.
    const timeoutMs = p.cmd === 'save' ? 300_000 : p.cmd === 'reload' ? 120_000 : 30_000;
    res = await sendRequest(p.cmd, p.args, { timeoutMs });
  } catch (err) {
    process.stderr.write(`pillarsctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  if (!res.ok) {
    if (p.json) process.stdout.write(JSON.stringify({ ok: false, error: res.error }, null, 2) + '\n');
    process.stderr.write(`pillarsctl: ${res.error.message}\n`);
    for (const d of res.error.details ?? []) process.stderr.write(`  ${d}\n`);
    if (res.error.hint) process.stderr.write(`hint: ${res.error.hint}\n`);
    return 1;
  }
  const result = (res.result ?? {}) as Record<string, unknown>;
  if (p.cmd === 'status') {
    // The pool view comes from ipvsadm here, joined with the check states the supervisor recorded.
    const pool = directorRuns(result.json) ? await readPool(result.json) : undefined;
    // The firewall's per-rule counters come from nft here as well.
    const counters = firewallRuns(result.json) ? await readFirewallCounters() : undefined;
    // The heartbeat view: group holdings from the supervisor, link and DRBD states from heartbeat and the kernel.
    const cluster = heartbeatRuns(result.json) ? await readCluster(result.json) : undefined;
    // The pair's state sync: the IPVS sync daemons and connection table, conntrackd's counters.
    const ipvsSync = directorRuns(result.json) ? await readIpvsSync() : undefined;
    const conntrackd = conntrackdRuns(result.json)
      ? ((await readConntrackdSync()) ?? { error: 'conntrackd -s network: no answer' })
      : undefined;
    const json = {
      ...(result.json as object),
      ...(pool ? { pool: 'error' in pool ? { error: pool.error } : pool.pool } : {}),
      ...(counters ? { firewall: counters } : {}),
      ...(cluster ? { heartbeat: cluster } : {}),
      ...(ipvsSync ? { ipvsSync } : {}),
      ...(conntrackd ? { conntrackdSync: conntrackd } : {}),
    };
    if (p.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    else {
      const sections = [
        ...(pool ? poolSection(pool) : []),
        ...(ipvsSync ? ipvsSyncSection(ipvsSync) : []),
        ...(counters ? firewallSection(counters) : []),
        ...(conntrackd ? conntrackdSection(conntrackd) : []),
        ...(cluster ? clusterSection(cluster) : []),
      ];
      process.stdout.write(`${String(result.text)}\n${sections.map((l) => l + '\n').join('')}`);
    }
    return 0;
  }
  if (p.cmd === 'cluster') {
    process.stdout.write(
      p.json
        ? JSON.stringify(result, null, 2) + '\n'
        : formatCluster(result as unknown as ClusterView).join('\n') + '\n',
    );
    return 0;
  }
  if (p.cmd === 'logs') {
    const lines = (result.lines ?? []) as Array<LogLine & { service: string }>;
    if (p.json) process.stdout.write(JSON.stringify(lines, null, 2) + '\n');
    else for (const l of lines) process.stdout.write(formatLogLine(l) + '\n');
    return 0;
  }
  // save: a sync outcome other than in-sync has its own exit code (see USAGE).
  const code = p.cmd === 'save' && typeof result.sync === 'string' ? (SAVE_EXIT[result.sync] ?? 1) : 0;
  if (p.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else if (code === 0) process.stdout.write(`${String(result.message ?? 'ok')}\n`);
  else process.stderr.write(`pillarsctl: ${String(result.message)}\n`);
  return code;
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
