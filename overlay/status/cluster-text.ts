/**
 * `pillarsctl cluster status`: both nodes side by side in columns, then the last failovers.
 * Pure: from the ClusterView the supervisor answers with.
 */
import { formatDuration } from '../supervisor/status-format.js';
import { formatConntrackdSync } from './conntrackd-stats.js';
import { formatIpvsSync } from './ipvs-sync.js';
import { clusterNodes, configMismatch, mergedTimeline, stickSync, type ClusterView } from './cluster.js';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

export function formatCluster(v: ClusterView, timelineRows = 10): string[] {
  const nodes = clusterNodes(v);
  const rows: string[][] = [['', ...nodes.map((n) => `${n.name}${n.self ? ' (this node)' : ''}`)]];
  const col = (f: (n: (typeof nodes)[number]) => string) => nodes.map(f);
  rows.push([
    'reachable',
    ...col((n) =>
      n.reachable
        ? 'yes'
        : `NO: ${n.error ?? 'unknown'}${n.lastSeen ? ` (last seen ${formatDuration(v.at - n.lastSeen)} ago)` : ''}`,
    ),
  ]);
  rows.push([
    'state',
    ...col((n) =>
      n.snapshot ? (n.snapshot.configured ? 'configured' : `UNCONFIGURED: ${n.snapshot.reason ?? ''}`) : '-',
    ),
  ]);
  rows.push(['roles', ...col((n) => n.snapshot?.roles.join(', ') ?? '-')]);
  const cfg = configMismatch(v);
  rows.push([
    'config',
    ...col((n) =>
      n.snapshot?.config
        ? `generation ${n.snapshot.config.generation}, sha256 ${n.snapshot.config.sha256.slice(0, 12)}${cfg?.mismatch ? ' (MISMATCH)' : ''}`
        : '-',
    ),
  ]);
  const sticks = stickSync(v);
  if (nodes.some((n) => n.snapshot?.stick))
    rows.push([
      'stick',
      ...col((n) => {
        const c = n.snapshot?.stick?.current;
        if (!c) return '-';
        const sync = n.snapshot?.sync;
        const last =
          sync?.outcome && sync.outcome !== 'equal' && sync.outcome !== 'synced' ? `; last sync: ${sync.outcome}` : '';
        return `generation ${c.generation}, sha256 ${c.sha256.slice(0, 12)}${sticks?.conflict ? ' (CONFLICT)' : ''}${last}`;
      }),
    ]);
  const keys = [
    ...new Set(nodes.flatMap((n) => (n.snapshot?.instances ?? []).map((i) => `${i.kind} ${i.name}`))),
  ].sort();
  for (const k of keys)
    rows.push([
      k,
      ...col((n) => {
        const i = n.snapshot?.instances.find((x) => `${x.kind} ${x.name}` === k);
        return i ? `${i.state} for ${formatDuration((n.snapshot?.at ?? v.at) - i.since)}` : '-';
      }),
    ]);
  const groups = [...new Set(nodes.flatMap((n) => (n.snapshot?.resourceGroups ?? []).map((g) => g.name)))].sort();
  for (const g of groups)
    rows.push([
      `resources ${g}`,
      ...col((n) => {
        const r = n.snapshot?.resourceGroups?.find((x) => x.name === g);
        return r ? `${r.state} for ${formatDuration((n.snapshot?.at ?? v.at) - r.since)}` : '-';
      }),
    ]);
  rows.push([
    'services',
    ...col((n) => {
      const s = n.snapshot?.services ?? [];
      if (!s.length) return '-';
      const up = s.filter((x) => x.state === 'ready' || x.state === 'done').length;
      const restarts = s.reduce((a, x) => a + x.restarts, 0);
      return `${up}/${s.length} up, ${restarts} restart${restarts === 1 ? '' : 's'}`;
    }),
  ]);
  rows.push([
    'pool',
    ...col((n) => {
      const p = n.snapshot?.pool;
      if (!p) return n.snapshot?.poolError ?? '-';
      const rs = p.flatMap((s) => s.realServers);
      return `${p.length} service${p.length === 1 ? '' : 's'}, ${rs.filter((r) => r.check !== 'DOWN').length}/${rs.length} real servers up`;
    }),
  ]);
  if (nodes.some((n) => n.snapshot?.ipvsSync))
    rows.push(['ipvs sync', ...col((n) => (n.snapshot?.ipvsSync ? formatIpvsSync(n.snapshot.ipvsSync, true) : '-'))]);
  if (nodes.some((n) => n.snapshot?.conntrack))
    rows.push([
      'conntrack',
      ...col((n) => {
        const c = n.snapshot?.conntrack;
        return c ? `${c.entries} of ${c.limit} entries` : '-';
      }),
    ]);
  if (nodes.some((n) => n.snapshot?.conntrack?.sync))
    rows.push([
      'conntrackd sync',
      ...col((n) => {
        const c = n.snapshot?.conntrack?.sync;
        return c ? formatConntrackdSync(c, true) : '-';
      }),
    ]);
  const out = table(rows);
  if (cfg) out.push('', cfg.mismatch ? `WARNING: ${cfg.text}` : cfg.text);
  if (sticks) out.push(sticks.conflict ? sticks.text : `config sync: ${sticks.text}`);
  const tl = mergedTimeline(v, timelineRows);
  out.push('', 'last failovers (newest first)');
  if (!tl.length) out.push('  (none recorded)');
  else
    out.push(
      ...table(
        tl.map((t) => [
          new Date(t.at).toISOString().slice(0, 19).replace('T', ' '),
          t.node,
          `${t.kind} ${t.name}`,
          `${t.from ?? '-'} -> ${t.to}`,
          t.cause ?? '',
        ]),
      ).map((l) => `  ${l}`),
    );
  return out;
}
