/**
 * nftables rule counters from `nft --json list ruleset`: every rule with a `counter` statement,
 * named by its comment (else its handle). Pure; the caller runs nft.
 */
import type { FirewallCounter } from './snapshot.js';

interface NftRule {
  family?: string;
  table?: string;
  chain?: string;
  handle?: number;
  comment?: string;
  expr?: Array<Record<string, unknown>>;
}

export function parseNftCounters(json: string): FirewallCounter[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return [];
  }
  const items = (doc as { nftables?: unknown[] } | undefined)?.nftables;
  if (!Array.isArray(items)) return [];
  const out: FirewallCounter[] = [];
  for (const item of items) {
    const rule = (item as { rule?: NftRule }).rule;
    if (!rule || !Array.isArray(rule.expr)) continue;
    for (const e of rule.expr) {
      const c = e.counter as { packets?: unknown; bytes?: unknown } | undefined;
      if (!c || typeof c.packets !== 'number' || typeof c.bytes !== 'number') continue;
      out.push({
        table: `${rule.family ?? ''} ${rule.table ?? ''}`.trim(),
        chain: rule.chain ?? '',
        rule: rule.comment ?? `handle ${rule.handle ?? '?'}`,
        packets: c.packets,
        bytes: c.bytes,
      });
    }
  }
  return out;
}
