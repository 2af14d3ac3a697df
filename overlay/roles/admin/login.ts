/**
 * Admin access on the console. There is no default password, ever: a login prompt (busybox getty
 * + login) runs only when the config carries admin.console_password_hash, and that hash is the
 * only way in. Without it the consoles show the status lines and nothing else. Pure: the admin
 * role edits root's line of /etc/shadow (root locked without a hash) and declares the gettys.
 */
import type { PillarsConfig } from '../../config/index.js';
import { defineService, type ServiceSpec } from '../../service/index.js';

export const SHADOW = '/etc/shadow';

export const LOGIN_PROGRAM = '/usr/lib/pillars/login';

/** /etc/shadow with root's password set to `hash` (other lines kept); root locked when no hash. */
export function shadowWithRoot(shadow: string, hash: string | undefined): string {
  const lines = shadow.split('\n').filter((l) => l !== '' && !l.startsWith('root:'));
  return [`root:${hash ?? '!'}:0:0:99999:7:::`, ...lines].join('\n') + '\n';
}

/** getty services for the consoles (`serialBusy`: ttyS0 is the test channel in a test boot). */
export function loginServices(config: PillarsConfig, opts: { serialBusy: boolean }): ServiceSpec[] {
  if (!config.admin?.console_password_hash) return [];
  const ttys: Array<[string, string[]]> = [['tty1', ['38400', 'tty1', 'linux']]];
  if (!opts.serialBusy) ttys.push(['ttyS0', ['-L', '115200', 'ttyS0', 'vt100']]);
  return ttys.map(([tty, args]) =>
    defineService({
      name: `login-${tty}`,
      command: ['/usr/bin/busybox', 'getty', '-l', LOGIN_PROGRAM, ...args],
      description: `console login on ${tty}`,
      // A login session ends with the getty exiting: start a fresh one at once.
      restart: { minDelayMs: 1000 },
      killGraceMs: 1000,
    }),
  );
}
