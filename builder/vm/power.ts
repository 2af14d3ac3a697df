/**
 * The lab's fence device: a small power controller that powers a named VM off, as an APC or IPMI
 * power switch would, reachable from the appliances over the lab network by the external/pillars-lab
 * STONITH plugin in the image. It runs inside the lab namespace (`ip netns exec`) and powers a VM
 * off by killing its QEMU (the VM's power cord). The request handling is pure (`powerRequest`);
 * `startPowerController` serves it.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';

export interface PowerTarget {
  /** The node's own address, when known: a request from a node that is already off is refused. */
  address?: string;
  /** Cut the power (SIGKILL of QEMU). */
  off(): Promise<void> | void;
  /** Whether the VM still runs. */
  running(): boolean;
}

export interface PowerAnswer {
  status: number;
  body: string;
}

/**
 * POST /power/<host>/off|on, GET /status, GET /power/<host>. Pure apart from the target's effects.
 * When both nodes of a partitioned pair ask to power each other off at once, requests are served
 * one at a time and a request from a node that has just been powered off is refused (403): the
 * first fence wins and the pair never ends with both nodes off.
 */
export async function powerRequest(
  method: string,
  url: string,
  targets: ReadonlyMap<string, PowerTarget>,
  log: (line: string) => void = () => undefined,
  from?: string,
): Promise<PowerAnswer> {
  const requester =
    from === undefined ? undefined : [...targets].find(([, t]) => t.address === from.replace(/^::ffff:/, ''));
  if (method === 'POST' && requester && !requester[1].running())
    return { status: 403, body: `${requester[0]} is powered off; its request is void\n` };
  if (method === 'GET' && url === '/status') return { status: 200, body: `ok ${[...targets.keys()].join(',')}\n` };
  const m = /^\/power\/([A-Za-z0-9_.-]+)(?:\/(on|off))?$/.exec(url);
  if (!m) return { status: 404, body: 'unknown path\n' };
  const target = targets.get(m[1]!);
  if (!target) return { status: 404, body: `no outlet for ${m[1]}\n` };
  if (!m[2])
    return method === 'GET'
      ? { status: 200, body: target.running() ? 'on\n' : 'off\n' }
      : { status: 405, body: 'GET only\n' };
  if (method !== 'POST') return { status: 405, body: 'POST only\n' };
  if (m[2] === 'on') return { status: 501, body: 'power on is done by the lab (boot the VM again)\n' };
  log(`power controller: ${m[1]} off`);
  await target.off();
  return { status: 200, body: 'off\n' };
}

export function startPowerController(
  listen: { host: string; port: number },
  targets: ReadonlyMap<string, PowerTarget>,
  log: (line: string) => void = () => undefined,
): Promise<Server> {
  // One request at a time, in arrival order (see powerRequest).
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const answer = queue.then(() =>
      powerRequest(req.method ?? 'GET', req.url ?? '/', targets, log, req.socket.remoteAddress),
    );
    queue = answer.catch(() => undefined);
    void answer.then(
      (a) => {
        res.writeHead(a.status, { 'content-type': 'text/plain' });
        res.end(a.body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}

/**
 * `power-main --listen host:port NAME=PID|NAME=PIDFILE…`: the controller as its own process for
 * `ip netns exec`. A pid file is read at each request, so a VM the lab boots again (new QEMU PID)
 * stays on its outlet.
 */
export function parsePowerArgs(
  argv: readonly string[],
):
  | { listen: { host: string; port: number }; pids: Map<string, number | string>; addresses: Map<string, string> }
  | { error: string } {
  let listen: { host: string; port: number } | undefined;
  const pids = new Map<string, number | string>();
  const addresses = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--listen') {
      const m = /^([0-9.]+):(\d{1,5})$/.exec(argv[++i] ?? '');
      if (!m) return { error: '--listen needs address:port' };
      listen = { host: m[1]!, port: Number(m[2]) };
    } else {
      const m = /^([A-Za-z0-9_.-]+)=(\d+|\/[^@\s]+)(?:@([0-9.]+))?$/.exec(a);
      if (!m) return { error: `expected NAME=PID or NAME=/pid/file (optionally @ADDRESS), got ${a}` };
      pids.set(m[1]!, /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
      if (m[3]) addresses.set(m[1]!, m[3]);
    }
  }
  if (!listen) return { error: '--listen is required' };
  if (pids.size === 0) return { error: 'no NAME=PID outlets' };
  return { listen, pids, addresses };
}

/** A target that powers a VM off by SIGKILL of its QEMU process (a PID, or a pid file read each time). */
export function pidTarget(
  pidOrFile: number | string,
  kill: (pid: number, signal: NodeJS.Signals | 0) => void = (p, s) => process.kill(p, s),
): PowerTarget {
  const pidNow = () => (typeof pidOrFile === 'number' ? pidOrFile : Number(readFileSync(pidOrFile, 'utf8').trim()));
  const running = () => {
    try {
      kill(pidNow(), 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    running,
    off: () => {
      if (running()) kill(pidNow(), 'SIGKILL');
    },
  };
}
