/**
 * The effects behind the pair's state-sync counts, shared by the status page and `pillarsctl
 * status`: conntrackd's statistics over its control socket, the IPVS sync daemons from ipvsadm and
 * the connection table from /proc. Each runs only where its daemon runs (the callers check the
 * supervisor's status first), and says what went wrong instead of throwing.
 */
import { createReadStream } from 'node:fs';
import { IPVSADM } from '../pillarsctl/pool.js';
import { conntrackdConfPath } from '../roles/statesync/index.js';
import { ETC_DIR } from '../supervisor/boot-plan.js';
import { exec, type Exec } from '../system/exec.js';
import { parseConntrackdStats, type ConntrackdSync } from './conntrackd-stats.js';
import { ipvsConnCounter, parseIpvsDaemons, type IpvsConnCount, type IpvsSyncStatus } from './ipvs-sync.js';

export const IPVS_CONN_SYNC = '/proc/net/ip_vs_conn_sync';

const run: Exec = (argv) => exec(argv, { timeoutMs: 10_000 });

/** `conntrackd -s network` and `conntrackd -s` of the running conntrackd; undefined when it does not answer. */
export async function readConntrackdSync(
  confPath = conntrackdConfPath({ etcDir: ETC_DIR }),
  runner: Exec = run,
): Promise<ConntrackdSync | undefined> {
  const [network, general] = await Promise.all([
    runner(['conntrackd', '-C', confPath, '-s', 'network']),
    runner(['conntrackd', '-C', confPath, '-s']),
  ]);
  const text = [network, general].filter((r) => r.code === 0).map((r) => r.stdout);
  return text.length ? parseConntrackdStats(text.join('\n')) : undefined;
}

/** Count the connection table as it streams from /proc (it can be large). */
export function countConnTable(path = IPVS_CONN_SYNC): Promise<IpvsConnCount> {
  return new Promise((resolve, reject) => {
    const counter = ipvsConnCounter();
    createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
      .on('data', (chunk) => counter.push(String(chunk)))
      .on('error', reject)
      .on('end', () => resolve(counter.end()));
  });
}

/** The sync daemons from ipvsadm and the connection table's counts; what failed goes to `error`. */
export async function readIpvsSync(
  runner: Exec = run,
  count: () => Promise<IpvsConnCount> = () => countConnTable(),
): Promise<IpvsSyncStatus> {
  const [daemons, conns] = await Promise.all([
    runner([IPVSADM, '-L', '--daemon']),
    count().then(
      (c) => c,
      (e: unknown) => new Error(e instanceof Error ? e.message : String(e)),
    ),
  ]);
  const errors: string[] = [];
  if (daemons.code !== 0) errors.push(`ipvsadm -L --daemon: exit ${daemons.code}: ${daemons.stderr.trim()}`);
  if (conns instanceof Error) errors.push(`${IPVS_CONN_SYNC}: ${conns.message}`);
  return {
    daemons: daemons.code === 0 ? parseIpvsDaemons(daemons.stdout) : [],
    ...(conns instanceof Error ? {} : { connections: conns }),
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}
