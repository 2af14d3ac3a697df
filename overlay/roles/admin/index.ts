/**
 * The admin role: the administrator's way in, and only on purpose. There is no default password
 * and no default listener. Console: root's /etc/shadow line carries admin.console_password_hash,
 * or root is locked, and a getty runs only with the hash (login.ts). SSH: dropbear runs only when
 * the config carries admin.ssh_authorized_keys, listens only on the admin.ssh_listen entries that
 * belong to this node, never accepts a password (-s), and uses a host key created in RAM at the
 * first start of each boot. Every config runs this role (root is locked when there is no hash);
 * with neither hash nor keys it edits /etc/shadow and runs nothing.
 */
import { parseCidr, parseHostPort, sameIp } from '../../config/net.js';
import type { NodeConfig } from '../../config/index.js';
import { defineService } from '../../service/index.js';
import type { Role, RoleContext } from '../role.js';
import { loginServices, SHADOW, shadowWithRoot } from './login.js';
import { compileTemplate } from '../../templates/escape.js';
import hostkeyTemplate from '../../templates/dropbear-hostkey.sh.ejs';

export const AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
export const HOSTKEY_DIR = '/run/pillars/dropbear';
export const HOSTKEY = `${HOSTKEY_DIR}/ed25519_host_key`;
export const HOSTKEY_SCRIPT = 'dropbear-hostkey.sh';
export const DROPBEAR = '/usr/sbin/dropbear';
export const DROPBEARKEY = '/usr/bin/dropbearkey';
/** The dropbear service: its presence is what makes a status name the admin role. */
export const SSH_SERVICE = 'ssh';

export { LOGIN_PROGRAM, loginServices, SHADOW, shadowWithRoot } from './login.js';

/** 0.0.0.0 and :: are "everywhere": bound only because the config wrote them out. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * The ssh_listen entries this node can bind: its own addresses, wildcards written out, and host
 * names (left to dropbear). An entry for the peer's address is the peer's business and skipped.
 */
export function listenFor(listen: readonly string[], node: NodeConfig): string[] {
  const own = Object.values(node.interfaces).flatMap((i) =>
    i.addresses.map((a) => parseCidr(a)).filter((c) => c !== undefined),
  );
  return listen.filter((entry) => {
    const hp = parseHostPort(entry);
    if (!hp) return false;
    if (!hp.ip || isWildcard(hp.host)) return true;
    return own.some((c) => sameIp(c, hp.ip!));
  });
}

/** One key per line, as dropbear reads ~/.ssh/authorized_keys. */
export function renderAuthorizedKeys(keys: readonly string[]): string {
  return keys.map((k) => `${k.trim()}\n`).join('');
}

const hostkeyScript = compileTemplate<{
  authorizedKeys: string;
  hostkeyDir: string;
  hostkey: string;
  dropbearkey: string;
}>(hostkeyTemplate, 'shell', ['authorizedKeys', 'hostkeyDir', 'hostkey', 'dropbearkey']);

/** Creates the host key in RAM when missing; tightens /root/.ssh, which dropbear checks (overlay/templates/dropbear-hostkey.sh.ejs). */
export function renderHostkeyScript(): string {
  return hostkeyScript({
    authorizedKeys: AUTHORIZED_KEYS,
    hostkeyDir: HOSTKEY_DIR,
    hostkey: HOSTKEY,
    dropbearkey: DROPBEARKEY,
  });
}

/** dropbear in the foreground, logging to stderr, keys only, on exactly these addresses. */
export function dropbearArgv(listen: readonly string[]): string[] {
  return [DROPBEAR, '-F', '-E', '-s', '-r', HOSTKEY, ...listen.flatMap((l) => ['-p', l])];
}

function sshListen(ctx: RoleContext): string[] {
  const a = ctx.config.admin;
  if (a.ssh_authorized_keys.length === 0) return [];
  return listenFor(a.ssh_listen, ctx.node);
}

export const adminRole: Role = {
  name: 'admin',
  after: ['network'],
  render(ctx) {
    if (sshListen(ctx).length === 0) return [];
    return [
      { path: AUTHORIZED_KEYS, content: renderAuthorizedKeys(ctx.config.admin.ssh_authorized_keys), mode: 0o600 },
      { path: `${ctx.etcDir}/${HOSTKEY_SCRIPT}`, content: renderHostkeyScript(), mode: 0o755 },
    ];
  },
  // Console login: only with the hash from the config; root stays locked otherwise.
  edits: (ctx) => [
    { path: SHADOW, mode: 0o600, edit: (current) => shadowWithRoot(current, ctx.config.admin.console_password_hash) },
  ],
  checks(ctx) {
    if (sshListen(ctx).length === 0) return [];
    return [{ what: HOSTKEY_SCRIPT, command: ['/usr/bin/busybox', 'sh', '-n', `${ctx.etcDir}/${HOSTKEY_SCRIPT}`] }];
  },
  sysctls() {
    return {};
  },
  services(ctx) {
    const logins = loginServices(ctx.config, { serialBusy: ctx.serialBusy ?? false });
    const listen = sshListen(ctx);
    if (listen.length === 0) return logins;
    return [
      ...logins,
      defineService({
        name: 'ssh-hostkey',
        type: 'oneshot',
        command: ['/usr/bin/busybox', 'sh', `${ctx.etcDir}/${HOSTKEY_SCRIPT}`],
        description: 'SSH host key in RAM',
      }),
      defineService({
        name: SSH_SERVICE,
        command: dropbearArgv(listen),
        dependsOn: ['ssh-hostkey'],
        description: `dropbear SSH (keys only) on ${listen.join(', ')}`,
      }),
    ];
  },
};
