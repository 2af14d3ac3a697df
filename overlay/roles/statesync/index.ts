/**
 * statesync role: conntrackd replicating the firewall's connection table over the dedicated sync
 * link (FT-FW by default; NOTRACK or ALARM selectable; multicast or UDP).
 *
 * State before address: with FT-FW and NOTRACK the peer's states are written straight into the
 * backup's kernel table (DisableExternalCache), so when the backup takes the VIPs over the states
 * are already there; nothing has to be committed in the window between the VIP answering and a
 * notify script running (the keepalived #2254/#2414 loss). ALARM keeps an external cache and
 * commits it on takeover.
 *
 * A booting node asks the peer for its states and waits for them (statesync-resync, a oneshot)
 * before keepalived starts, so it cannot preempt with an empty table. keepalived calls
 * statesync-notify on state changes of the instances that own the gateway addresses.
 */
import { compileTemplate, shellWord } from '../../templates/escape.js';
import confTemplate from '../../templates/conntrackd.conf.ejs';
import notifyTemplate from '../../templates/statesync-notify.sh.ejs';
import resyncTemplate from '../../templates/statesync-resync.sh.ejs';
import { defineService } from '../../service/index.js';
import { etcPath, type Role, type RoleContext } from '../role.js';
import { statesyncView, type StatesyncView } from './view.js';

export { statesyncView, type StatesyncView } from './view.js';

export const CONNTRACKD_SERVICE = 'conntrackd';
export const RESYNC_SERVICE = 'statesync-resync';

// conntrackd.conf is a word language like keepalived.conf (blocks in braces, # comments): same escaper.
const conf = compileTemplate<Omit<StatesyncView, 'commitOnTakeover'>>(confTemplate, 'keepalived', [
  'node',
  'mode',
  'transport',
  'lockFile',
  'socket',
  'ignore4',
  'ignore6',
]);
const notify = compileTemplate<{ node: string; conf: string; commit: boolean }>(notifyTemplate, 'shell', [
  'node',
  'conf',
  'commit',
]);
const resync = compileTemplate<{ node: string; conf: string; timeout: number }>(resyncTemplate, 'shell', [
  'node',
  'conf',
  'timeout',
]);

const dir = (ctx: Pick<RoleContext, 'etcDir'>) => ctx.etcDir.replace(/\/+$/, '');
export const conntrackdConfPath = (ctx: Pick<RoleContext, 'etcDir'>) => etcPath(ctx, 'conntrackd.conf');
export const statesyncNotifyPath = (ctx: Pick<RoleContext, 'etcDir'>) => etcPath(ctx, 'statesync-notify.sh');
export const statesyncResyncPath = (ctx: Pick<RoleContext, 'etcDir'>) => etcPath(ctx, 'statesync-resync.sh');

/**
 * conntrackd runs when the config has a statesync section that asks for it and a firewall whose
 * connection table there is to replicate. Without a firewall section (a director pair) the
 * section's IPVS half runs inside keepalived and this role has nothing to do.
 */
export function runsConntrackd(ctx: Pick<RoleContext, 'config'>): boolean {
  return !!ctx.config.statesync?.conntrackd && !!ctx.config.firewall;
}

export function renderStatesyncView(v: StatesyncView): string {
  return conf({
    node: v.node,
    mode: v.mode,
    transport: v.transport,
    lockFile: v.lockFile,
    socket: v.socket,
    ignore4: v.ignore4,
    ignore6: v.ignore6,
  });
}

function view(ctx: RoleContext): StatesyncView {
  return statesyncView({ config: ctx.config, nodeName: ctx.nodeName, node: ctx.node, runDir: dir(ctx) });
}

export const statesyncRole: Role = {
  name: 'statesync',
  after: ['network', 'firewall'],
  render: (ctx) => {
    if (!runsConntrackd(ctx)) return [];
    const v = view(ctx);
    const timeout = ctx.config.statesync!.resync_timeout;
    return [
      { path: conntrackdConfPath(ctx), content: renderStatesyncView(v), mode: 0o644 },
      {
        path: statesyncNotifyPath(ctx),
        content: notify({ node: v.node, conf: conntrackdConfPath(ctx), commit: v.commitOnTakeover }),
        mode: 0o755,
      },
      {
        path: statesyncResyncPath(ctx),
        content: resync({ node: v.node, conf: conntrackdConfPath(ctx), timeout }),
        mode: 0o755,
      },
    ];
  },
  // conntrackd has no config check mode: it is started against the file in the render check
  // (test/integration/render-check.test.ts); the shell scripts are checked with sh -n here.
  checks: (ctx) =>
    runsConntrackd(ctx)
      ? [
          { what: 'statesync-notify.sh', command: ['sh', '-n', statesyncNotifyPath(ctx)] },
          { what: 'statesync-resync.sh', command: ['sh', '-n', statesyncResyncPath(ctx)] },
        ]
      : [],
  sysctls: () => ({}),
  services: (ctx) => {
    if (!runsConntrackd(ctx)) return [];
    const v = view(ctx);
    return [
      defineService({
        name: CONNTRACKD_SERVICE,
        type: 'longrun',
        // Without -d conntrackd stays in the foreground and logs to the console the supervisor
        // captures. It refuses to start while its lock file exists, which a killed run leaves behind.
        command: [
          '/bin/sh',
          '-c',
          `rm -f ${shellWord(v.lockFile)} ${shellWord(v.socket)}; exec conntrackd -C ${shellWord(conntrackdConfPath(ctx))}`,
        ],
        readiness: { kind: 'none', timeoutMs: 10_000 },
        killGraceMs: 3000,
        description: 'conntrackd (connection state sync)',
      }),
      defineService({
        name: RESYNC_SERVICE,
        type: 'oneshot',
        command: [statesyncResyncPath(ctx)],
        dependsOn: [CONNTRACKD_SERVICE],
        readiness: { kind: 'none', timeoutMs: (ctx.config.statesync!.resync_timeout + 30) * 1000 },
        description: 'ask the peer for its connection states before becoming eligible for MASTER',
      }),
    ];
  },
};
