import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminRole, dropbearArgv, listenFor, renderHostkeyScript } from '../../../overlay/roles/admin/index.js';
import { loadConfig, formatIssues } from '../../../overlay/config/index.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import type { RoleContext } from '../../../overlay/roles/role.js';
import { shownRoles } from '../../../overlay/supervisor/status-view.js';

const HASH = '$6$abcdefgh$' + 'x'.repeat(86);
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4Zq0n3DdV9w0hUqXh2bJgkYk6pZ3L8a5rH7cV0XyZq admin@laptop';
const base = readFileSync(join(import.meta.dirname, '../../fixtures/config/base-director.yaml'), 'utf8');

function ctxFor(admin: string, nodeName = 'a'): RoleContext {
  const r = loadConfig(`${base}${admin}`);
  if (!r.ok) throw new Error(formatIssues(r.issues));
  return {
    config: r.config,
    nodeName,
    node: r.config.nodes[nodeName]!,
    etcDir: '/run/pillars/etc',
    eventFifo: '/run/pillars/events.fifo',
  };
}

describe('admin role (SSH)', () => {
  it('without keys or a console hash: renders nothing, runs nothing, locks root; runs for every config but is not shown', () => {
    const ctx = ctxFor('');
    expect(adminRole.render(ctx)).toEqual([]);
    expect(adminRole.checks(ctx)).toEqual([]);
    expect(adminRole.services(ctx)).toEqual([]);
    const [shadow] = adminRole.edits!(ctx);
    expect(shadow).toMatchObject({ path: '/etc/shadow', mode: 0o600 });
    expect(shadow!.edit('root:$6$old$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n')).toBe(
      'root:!:0:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
    );
    expect(selectRoles(ctx.config).run).toContain('admin');
    expect(shownRoles(planRoles(ctx, selectRoles(ctx.config).run))).toEqual(['network', 'vrrp', 'director']);
  });

  it("console login: the hash in root's shadow line and a getty per console, after the network and the filter", () => {
    const ctx = { ...ctxFor(`admin:\n  console_password_hash: "${HASH}"\n`), serialBusy: true };
    expect(adminRole.edits!(ctx)[0]!.edit('daemon:*:19000:0:99999:7:::\n')).toBe(
      `root:${HASH}:0:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`,
    );
    const plan = planRoles(ctx, selectRoles(ctx.config).run);
    const login = plan.services.filter((s) => s.name.startsWith('login-'));
    // ttyS0 carries the test channel in a test boot.
    expect(login.map((s) => s.name)).toEqual(['login-tty1']);
    expect(login[0]!.dependsOn).toEqual(expect.arrayContaining(['network', 'nofirewall']));
    // The login prompt does not make the role list name admin (SSH does).
    expect(shownRoles(plan)).toEqual(['network', 'vrrp', 'director']);
    expect(adminRole.services({ ...ctx, serialBusy: false }).map((s) => s.name)).toEqual(['login-tty1', 'login-ttyS0']);
  });

  it('with keys: authorized_keys 0600, the host-key script, and dropbear on exactly the listed address', () => {
    const ctx = ctxFor(`admin:\n  ssh_authorized_keys: ["${KEY}"]\n  ssh_listen: ["10.0.0.2:22", "10.0.0.3:22"]\n`);
    expect(selectRoles(ctx.config).run).toEqual(['network', 'nofirewall', 'vrrp', 'director', 'admin']);
    const files = adminRole.render(ctx);
    expect(files).toEqual([
      { path: '/root/.ssh/authorized_keys', content: `${KEY}\n`, mode: 0o600 },
      { path: '/run/pillars/etc/dropbear-hostkey.sh', content: renderHostkeyScript(), mode: 0o755 },
    ]);
    expect(adminRole.checks(ctx)).toEqual([
      {
        what: 'dropbear-hostkey.sh',
        command: ['/usr/bin/busybox', 'sh', '-n', '/run/pillars/etc/dropbear-hostkey.sh'],
      },
    ]);
    const [hostkey, ssh] = adminRole.services(ctx);
    expect(hostkey).toMatchObject({
      name: 'ssh-hostkey',
      type: 'oneshot',
      command: ['/usr/bin/busybox', 'sh', '/run/pillars/etc/dropbear-hostkey.sh'],
    });
    // Node a binds its own address only; 10.0.0.3 is node b's.
    expect(ssh).toMatchObject({ name: 'ssh', type: 'longrun', dependsOn: ['ssh-hostkey'] });
    expect(ssh!.command).toEqual([
      '/usr/sbin/dropbear',
      '-F',
      '-E',
      '-s',
      '-r',
      '/run/pillars/dropbear/ed25519_host_key',
      '-p',
      '10.0.0.2:22',
    ]);
    expect(
      adminRole
        .services(
          ctxFor(`admin:\n  ssh_authorized_keys: ["${KEY}"]\n  ssh_listen: ["10.0.0.2:22", "10.0.0.3:22"]\n`, 'b'),
        )[1]!
        .command.slice(-2),
    ).toEqual(['-p', '10.0.0.3:22']);
  });

  it('starts after the network', () => {
    const ctx = ctxFor(`admin:\n  ssh_authorized_keys: ["${KEY}"]\n  ssh_listen: ["10.0.0.2:2222"]\n`);
    const plan = planRoles(ctx, selectRoles(ctx.config).run);
    expect(plan.services.find((s) => s.name === 'ssh')!.dependsOn).toEqual(
      expect.arrayContaining(['ssh-hostkey', 'network']),
    );
  });

  it('the host key is made in RAM once; /root/.ssh tightened for dropbear', () => {
    const s = renderHostkeyScript();
    expect(s).toContain('chmod 700 /root/.ssh\nchmod 600 /root/.ssh/authorized_keys');
    expect(s).toContain(
      '[ -s /run/pillars/dropbear/ed25519_host_key ] || /usr/bin/dropbearkey -t ed25519 -f /run/pillars/dropbear/ed25519_host_key',
    );
  });

  it('binds own addresses, written-out wildcards and names; skips the peer and a list with no match', () => {
    const node = ctxFor('').node;
    expect(
      listenFor(['10.0.0.2:22', '192.0.2.2:2222', '10.0.0.3:22', '0.0.0.0:22', '[::]:22', 'lb1.example:22'], node),
    ).toEqual(['10.0.0.2:22', '192.0.2.2:2222', '0.0.0.0:22', '[::]:22', 'lb1.example:22']);
    expect(dropbearArgv([])).not.toContain('-p');
    const onlyPeer = ctxFor(`admin:\n  ssh_authorized_keys: ["${KEY}"]\n  ssh_listen: ["10.0.0.3:22"]\n`);
    expect(adminRole.services(onlyPeer)).toEqual([]);
    expect(adminRole.render(onlyPeer)).toEqual([]);
  });
});
