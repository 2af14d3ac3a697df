/**
 * pillars-hacheck [DIR]: check ha.cf, authkeys and haresources in DIR (default /etc/ha.d) the way
 * heartbeat reads them (check.ts); exit 0 when heartbeat would accept them, 1 with one line per
 * problem otherwise. Run by the supervisor before heartbeat starts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkAuthkeys, checkHaCf, checkHaresources } from './check.js';

function main(argv: readonly string[]): number {
  const dir = argv[0] ?? '/etc/ha.d';
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const errors: string[] = [];
  const haCf = read('ha.cf');
  const authkeys = read('authkeys');
  const haresources = read('haresources');
  let nodes: string[] = [];
  if (haCf instanceof Error) errors.push(`ha.cf: ${haCf.message}`);
  else {
    const facts = checkHaCf(haCf, join(dir, 'ha.cf'));
    errors.push(...facts.errors);
    nodes = facts.nodes;
  }
  if (authkeys instanceof Error) errors.push(`authkeys: ${authkeys.message}`);
  else errors.push(...checkAuthkeys(authkeys, statSync(join(dir, 'authkeys')).mode, join(dir, 'authkeys')));
  if (haresources instanceof Error) errors.push(`haresources: ${haresources.message}`);
  else {
    const root = argv[1] ?? '/';
    const exists = (name: string) =>
      existsSync(join(root, dir, 'resource.d', name)) || existsSync(join(root, 'etc/init.d', name));
    errors.push(...checkHaresources(haresources, nodes, exists, join(dir, 'haresources')));
  }
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
