/**
 * The heartbeat section of `pillarsctl status`: which node holds which resource group since when
 * (from the supervisor's heartbeat.<group> annotations), the peer's state and every heartbeat
 * medium's link state (heartbeat's own cl_status), and the DRBD state (/proc/drbd of DRBD 8.4).
 * Parsing and formatting are pure; `readCluster` runs the tools.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export const CL_STATUS = '/usr/bin/cl_status';

type Run = (argv: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

const runCaptured: Run = (argv) =>
  new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr: stderr || (err && !stdout ? err.message : '') });
    });
  });

export interface DrbdState {
  minor: number;
  connection: string;
  roles: string;
  disks: string;
}

/** `/proc/drbd` of DRBD 8.4: " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----". */
export function parseProcDrbd(text: string): DrbdState[] {
  const out: DrbdState[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+): cs:(\S+) ro:(\S+) ds:(\S+)/.exec(line);
    if (m) out.push({ minor: Number(m[1]), connection: m[2]!, roles: m[3]!, disks: m[4]! });
  }
  return out;
}

export interface GroupHolding {
  group: string;
  state: string;
  since: number;
}

interface StatusJson {
  config?: { roles?: unknown; node?: unknown };
  services?: Array<{ name?: string; info?: Record<string, { value?: unknown; since?: unknown } | undefined> }>;
}

export function heartbeatRuns(status: unknown): boolean {
  const roles = (status as StatusJson | undefined)?.config?.roles;
  return Array.isArray(roles) && roles.includes('heartbeat');
}

/** The groups this node held or released, from the annotations (heartbeat.<group>: HELD|RELEASED, since). */
export function groupHoldings(status: unknown): GroupHolding[] {
  const out: GroupHolding[] = [];
  for (const s of (status as StatusJson | undefined)?.services ?? []) {
    for (const [key, v] of Object.entries(s.info ?? {})) {
      const m = /^heartbeat\.(.+)$/.exec(key);
      if (m && v && typeof v.value === 'string' && typeof v.since === 'number')
        out.push({ group: m[1]!, state: v.value, since: v.since });
    }
  }
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

export interface PeerLinks {
  node: string;
  state: string;
  links: { link: string; state: string }[];
}

export interface ClusterView {
  node: string;
  groups: GroupHolding[];
  peers: PeerLinks[];
  drbd: DrbdState[];
  errors: string[];
}

export async function readCluster(
  status: unknown,
  run: Run = runCaptured,
  readProc: () => Promise<string> = () => readFile('/proc/drbd', 'utf8'),
): Promise<ClusterView> {
  const me = String((status as StatusJson | undefined)?.config?.node ?? '');
  const errors: string[] = [];
  const peers: PeerLinks[] = [];
  const nodes = await run([CL_STATUS, 'listnodes']);
  if (nodes.code !== 0) errors.push(`cl_status listnodes: exit ${nodes.code}: ${nodes.stderr.trim()}`);
  else {
    for (const node of nodes.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')) {
      const type = await run([CL_STATUS, 'nodetype', node]);
      if (type.stdout.trim() === 'ping') continue;
      const st = await run([CL_STATUS, 'nodestatus', node]);
      const links: PeerLinks['links'] = [];
      const list = await run([CL_STATUS, 'listhblinks', node]);
      for (const link of list.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')) {
        const ls = await run([CL_STATUS, 'hblinkstatus', node, link]);
        links.push({ link, state: ls.stdout.trim() || `unknown (exit ${ls.code})` });
      }
      peers.push({ node, state: st.stdout.trim() || `unknown (exit ${st.code})`, links });
    }
  }
  let drbd: DrbdState[] = [];
  try {
    drbd = parseProcDrbd(await readProc());
  } catch {
    /* no DRBD module loaded: no DRBD section */
  }
  return { node: me, groups: groupHoldings(status), peers, drbd, errors };
}

export function clusterSection(v: ClusterView, now = Date.now()): string[] {
  const ago = (t: number) =>
    `${new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')} (${Math.max(0, Math.round((now - t) / 1000))} s ago)`;
  const lines = ['', 'heartbeat'];
  if (v.groups.length === 0) lines.push('  groups    none held by this node');
  for (const g of v.groups)
    lines.push(
      `  group ${g.group}: ${g.state === 'HELD' ? `held by ${v.node}` : `released by ${v.node}`} since ${ago(g.since)}`,
    );
  for (const p of v.peers) {
    lines.push(`  node ${p.node}: ${p.state}`);
    for (const l of p.links) lines.push(`    link ${l.link}: ${l.state}`);
  }
  for (const d of v.drbd) lines.push(`  drbd${d.minor}: ${d.connection} ${d.roles} ${d.disks}`);
  for (const e of v.errors) lines.push(`  ! ${e}`);
  return lines;
}
