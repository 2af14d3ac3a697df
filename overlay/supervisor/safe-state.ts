/**
 * The safe state: what the appliance does when it has no usable config (no stick, an unreadable
 * one, an invalid config). Nothing is half-applied: the firewall drops everything except
 * loopback (IPv4 and IPv6 via the inet family, and ARP so no address is answered for), no VIP is
 * claimed, no role runs, and the console says why.
 */

/** A config problem as the config model reports it (only what the console needs). */
export interface ConfigIssue {
  file?: string;
  line?: number;
  column?: number;
  /** Field path, e.g. "vrrp.instances[0].priority". */
  path?: string;
  message: string;
}

export const UNCONFIGURED_PREFIX = 'pillars: UNCONFIGURED — ';

/** "pillars.yaml:12:3: vrrp.instances[0].priority: expected 1..254" */
export function formatIssue(i: ConfigIssue): string {
  let where = '';
  if (i.file !== undefined) {
    where = i.file;
    if (i.line !== undefined) where += `:${i.line}`;
    if (i.line !== undefined && i.column !== undefined) where += `:${i.column}`;
  } else if (i.line !== undefined) {
    where = `line ${i.line}${i.column !== undefined ? `:${i.column}` : ''}`;
  }
  const parts = [where, i.path ?? '', i.message].filter((p) => p !== '');
  return parts.join(': ');
}

/** Issues sorted by file, then line, then column (issues without a position last, in order). */
function sorted(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => {
      const fa = a.i.file ?? '\uffff';
      const fb = b.i.file ?? '\uffff';
      if (fa !== fb) return fa < fb ? -1 : 1;
      const la = a.i.line ?? Infinity;
      const lb = b.i.line ?? Infinity;
      if (la !== lb) return la - lb;
      const ca = a.i.column ?? Infinity;
      const cb = b.i.column ?? Infinity;
      if (ca !== cb) return ca - cb;
      return a.n - b.n;
    })
    .map((x) => x.i);
}

/**
 * The console message, one string per line:
 *   pillars: UNCONFIGURED — invalid config on /dev/sdb1
 *   pillars:   pillars.yaml:12:3: vrrp.instances[0].priority: expected an integer 1..254
 *   pillars: safe state: all traffic dropped except loopback, no VIPs, no roles
 */
export function renderUnconfiguredMessage(reason: string, issues: readonly ConfigIssue[] = []): string[] {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  return [
    UNCONFIGURED_PREFIX + oneLine(reason),
    ...sorted(issues).map((i) => `pillars:   ${oneLine(formatIssue(i))}`),
    'pillars: safe state: all traffic dropped except loopback, no VIPs, no roles',
  ];
}

export const SAFE_TABLE = 'pillars_safe';

/**
 * The nftables ruleset of the safe state, for `nft -f`. It flushes every other ruleset first, so
 * whatever was loaded before (a previous config's firewall) is gone in the same transaction.
 */
export function renderSafeRuleset(): string {
  return `#!/usr/sbin/nft -f
# pillars safe state: no usable config, so nothing passes but loopback.
flush ruleset

table inet ${SAFE_TABLE} {
	chain input {
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
	}

	chain forward {
		type filter hook forward priority filter; policy drop;
	}

	chain output {
		type filter hook output priority filter; policy drop;
		oifname "lo" accept
	}
}

# No ARP either: no address of this box (and no VIP) is answered for or announced.
table arp ${SAFE_TABLE} {
	chain input {
		type filter hook input priority filter; policy drop;
	}

	chain output {
		type filter hook output priority filter; policy drop;
	}
}
`;
}
