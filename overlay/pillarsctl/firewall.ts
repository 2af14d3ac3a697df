/**
 * The firewall counters in `pillarsctl status`: every rule of the pillars nftables table with its
 * comment and its packet and byte counters, per chain, from `nft -j list table inet pillars`.
 * Parsing and formatting are pure; `readFirewallCounters` runs nft.
 */
import { execFile } from 'node:child_process';
import { FIREWALL_TABLE } from '../roles/firewall/view.js';

export interface RuleCounter {
  chain: string;
  comment: string;
  packets: number;
  bytes: number;
}

interface NftJsonRule {
  rule?: { family?: string; table?: string; chain?: string; comment?: string; expr?: Array<Record<string, unknown>> };
}

/** Rules with a counter, in ruleset order. Pure. */
export function parseCounters(json: string): RuleCounter[] {
  const doc = JSON.parse(json) as { nftables?: NftJsonRule[] };
  const out: RuleCounter[] = [];
  for (const item of doc.nftables ?? []) {
    const r = item.rule;
    if (!r || r.table !== FIREWALL_TABLE) continue;
    const counter = r.expr?.find((e) => 'counter' in e)?.counter as { packets?: number; bytes?: number } | undefined;
    if (!counter) continue;
    out.push({
      chain: r.chain ?? '?',
      comment: r.comment ?? '',
      packets: counter.packets ?? 0,
      bytes: counter.bytes ?? 0,
    });
  }
  return out;
}

/** The status section: "firewall counters:" then one line per rule, grouped by chain. Pure. */
export function firewallSection(c: RuleCounter[] | { error: string }): string[] {
  if ('error' in c) return ['firewall counters:', `  unavailable: ${c.error}`];
  const lines = ['firewall counters (packets, bytes, rule):'];
  let chain = '';
  for (const r of c) {
    if (r.chain !== chain) {
      chain = r.chain;
      lines.push(`  ${chain}:`);
    }
    lines.push(`    ${String(r.packets).padStart(10)} ${String(r.bytes).padStart(12)}  ${r.comment}`);
  }
  return lines;
}

/** Does the status say the firewall role runs? */
export function firewallRuns(status: unknown): boolean {
  const roles = (status as { config?: { roles?: unknown } } | undefined)?.config?.roles;
  return Array.isArray(roles) && roles.includes('firewall');
}

export function readFirewallCounters(): Promise<RuleCounter[] | { error: string }> {
  return new Promise((resolve) => {
    execFile(
      'nft',
      ['-j', 'list', 'table', 'inet', FIREWALL_TABLE],
      { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          return resolve({ error: `nft -j list table inet ${FIREWALL_TABLE}: ${(stderr || err.message).trim()}` });
        try {
          resolve(parseCounters(stdout));
        } catch (e) {
          resolve({ error: `nft -j output: ${e instanceof Error ? e.message : String(e)}` });
        }
      },
    );
  });
}
