/**
 * Loads a whole nftables ruleset in one `nft -f` transaction (the safe state's: it begins with
 * `flush ruleset`, so whatever was loaded before is gone in the same step). The file stays under
 * /run/pillars for the admin to read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execOk } from './exec.js';

export function createPacketFilter(path = '/run/pillars/safe.nft') {
  return {
    async load(ruleset: string): Promise<void> {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, ruleset);
      await execOk(['nft', '-f', path]);
    },
  };
}
