import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type PillarsConfig } from '../../../overlay/config/index.js';
import {
  applyRolePlan,
  planRoles,
  ROLES,
  selectRoles,
  sysctlModules,
  sysctlPath,
  type RoleSystem,
} from '../../../overlay/roles/index.js';
import { renderNetworkScript } from '../../../overlay/roles/network/index.js';
import { RenderRefused } from '../../../overlay/templates/escape.js';
import { statesyncRole } from '../../../overlay/roles/statesync/index.js';
import type { RoleContext } from '../../../overlay/roles/role.js';
import { labConfig } from '../../../builder/drill/lab-config.js';

const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');

function load(text: string): PillarsConfig {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n'));
  return r.config;
}

const ctx = (config: PillarsConfig, nodeName = 'lb1'): RoleContext => ({
  config,
  nodeName,
  node: config.nodes[nodeName]!,
  etcDir: '/run/pillars/etc',
  eventFifo: '/run/pillars/events',
});

describe('network role', () => {
  const config = load(starter);

  it('renames by MAC in two steps, then links, addresses and routes, all in one ip -batch', () => {
    const s = renderNetworkScript(config, 'lb1', config.nodes.lb1!);
    const lines = s.split('\n');
    const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(s).toContain(
      "n0=$(find_nic 52:54:00:00:01:01) || { echo 'wan: no NIC with MAC 52:54:00:00:01:01' >&2; exit 1; }",
    );
    expect(s).toContain(
      'if [ "$n0" != wan ]; then echo link set dev "$n0" down; echo link set dev "$n0" name pl-rename0; fi',
    );
    expect(s).toContain('if [ "$n1" != lan ]; then echo link set dev pl-rename1 name lan; fi');
    expect(s).toContain('echo addr replace 192.0.2.2/24 dev wan');
    expect(s).toContain('echo addr replace 10.0.0.2/24 dev lan');
    expect(s).toContain('echo route replace default via 192.0.2.1');
    expect(idx(/name pl-rename1;/)).toBeLessThan(idx(/pl-rename0 name wan/));
    expect(idx(/pl-rename1 name lan/)).toBeLessThan(idx(/echo link set dev wan mtu 1500 up/));
    expect(idx(/addr replace/)).toBeLessThan(idx(/route replace/));
    // One ip program for all of it: every change is an echoed line of its batch.
    expect(lines.filter((l) => /(^|[;|] *)ip /.test(l))).toEqual(['} | ip -batch -']);
    expect(idx(/^\} \| ip -batch -$/)).toBeGreaterThan(idx(/route replace/));
  });

  it('refuses a value that would split into two ip arguments (the second wall behind the validator)', () => {
    const lb1 = config.nodes.lb1!;
    const split = {
      ...lb1,
      interfaces: { ...lb1.interfaces, lan: { ...lb1.interfaces.lan!, addresses: ['10.0.0.2/24 dev lo'] } },
    };
    expect(() => renderNetworkScript(config, 'lb1', split)).toThrow(RenderRefused);
    const comment: PillarsConfig = { ...config, routes: [{ to: 'default#', via: '192.0.2.1' }] };
    expect(() => renderNetworkScript(comment, 'lb1', lb1)).toThrow(/whitespace, quotes, backslashes or #/);
  });

  it('VLANs on their parent, after the physical links', () => {
    const c = load(
      starter
        .replace(/^routes:/m, 'interfaces:\n  dmz:\n    mtu: 1400\n    vlan: { parent: lan, id: 30 }\nroutes:')
        .replace(
          '        addresses: [10.0.0.2/24]',
          '        addresses: [10.0.0.2/24]\n      dmz:\n        addresses: [198.51.100.2/24]',
        )
        .replace(
          '        addresses: [10.0.0.3/24]',
          '        addresses: [10.0.0.3/24]\n      dmz:\n        addresses: [198.51.100.3/24]',
        ),
    );
    const s = renderNetworkScript(c, 'lb1', c.nodes.lb1!);
    expect(s).toContain('modprobe -q 8021q || true');
    expect(s).toContain('[ -e /sys/class/net/dmz ] || echo link add link lan name dmz type vlan id 30');
    expect(s).toContain('echo link set dev dmz mtu 1400 up');
    expect(s).toContain('echo addr replace 198.51.100.2/24 dev dmz');
    expect(s.indexOf('modprobe -q 8021q')).toBeLessThan(s.indexOf('} | ip -batch -'));
    expect(s).not.toContain('find_nic undefined');
  });

  it('sysctls of the config, node values winning', () => {
    expect(planRoles(ctx(config), ['network']).sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(sysctlPath('net.ipv4.conf.all.arp_ignore')).toBe('/proc/sys/net/ipv4/conf/all/arp_ignore');
  });

  it('network and admin always, nofirewall without a firewall section, other roles by section; missing ones are named', () => {
    expect(selectRoles(config)).toEqual({ run: ['network', 'nofirewall', 'vrrp', 'director', 'admin'], missing: [] });
    expect(selectRoles(config, new Map([...ROLES].filter(([n]) => n === 'network')))).toEqual({
      run: ['network'],
      missing: ['nofirewall', 'vrrp', 'director', 'admin'],
    });
  });

  it('services: the oneshot script, then the link monitor', () => {
    const plan = planRoles(ctx(config), ['network']);
    expect(plan.services.map((s) => [s.name, s.type, s.dependsOn])).toEqual([
      ['network', 'oneshot', []],
      ['netmon', 'longrun', ['network']],
    ]);
    expect(plan.checks).toEqual([
      { what: 'network.sh', command: ['/usr/bin/busybox', 'sh', '-n', '/run/pillars/etc/network.sh'] },
    ]);
  });
});

describe('applyRolePlan', () => {
  function fakeSystem(failing: string[] = []) {
    const files = new Map<string, string>([['/run/pillars/etc/network.sh', 'old script']]);
    const sys: RoleSystem = {
      writeFile: async (p, c) => void files.set(p, c),
      readFile: async (p) => (files.has(p) ? { content: files.get(p)!, mode: 0o755 } : undefined),
      removeFile: async (p) => void files.delete(p),
      writeSysctl: async (k, v) => void files.set(sysctlPath(k), `${v}\n`),
      run: async (argv) =>
        failing.some((f) => argv.includes(f)) ? { code: 2, output: 'syntax error' } : { code: 0, output: '' },
    };
    return { files, sys };
  }
  const plan = planRoles(ctx(load(starter)), ['network']);

  it('writes the files, checks them, then applies sysctls', async () => {
    const { files, sys } = fakeSystem();
    expect(await applyRolePlan(plan, sys)).toEqual({ ok: true, errors: [] });
    expect(files.get('/run/pillars/etc/network.sh')).toContain('find_nic');
    expect(files.get('/proc/sys/net/ipv4/ip_forward')).toBe('1\n');
  });

  it('loads ip_vs before writing net.ipv4.vs.* keys (they exist only with the module)', async () => {
    const { files, sys } = fakeSystem();
    const ran: string[] = [];
    const run = sys.run;
    sys.run = async (argv) => (ran.push(argv.join(' ')), run(argv));
    const withVs = {
      ...plan,
      sysctls: { 'net.ipv4.vs.expire_nodest_conn': '1', 'net.ipv4.vs.conntrack': '1', 'net.ipv4.ip_forward': '1' },
    };
    expect(await applyRolePlan(withVs, sys)).toEqual({ ok: true, errors: [] });
    expect(ran.filter((c) => c.startsWith('modprobe'))).toEqual(['modprobe ip_vs']);
    expect(files.get('/proc/sys/net/ipv4/vs/conntrack')).toBe('1\n');
    expect(sysctlModules(['net.ipv4.ip_forward'])).toEqual([]);
  });

  it('no modprobe for a module the boot already loaded (the role table’s bootModules)', async () => {
    const { files, sys } = fakeSystem();
    files.set('/sys/module/ip_vs/initstate', 'live\n');
    const ran: string[] = [];
    const run = sys.run;
    sys.run = async (argv) => (ran.push(argv.join(' ')), run(argv));
    const withVs = { ...plan, sysctls: { 'net.ipv4.vs.conntrack': '1' } };
    expect(await applyRolePlan(withVs, sys)).toEqual({ ok: true, errors: [] });
    expect(ran.filter((c) => c.startsWith('modprobe'))).toEqual([]);
    expect(files.get('/proc/sys/net/ipv4/vs/conntrack')).toBe('1\n');
  });

  it('a failed check puts the previous files back and applies nothing', async () => {
    const { files, sys } = fakeSystem(['/run/pillars/etc/network.sh']);
    const r = await applyRolePlan(plan, sys);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatch(/^network\.sh: .* failed \(exit 2\): syntax error$/);
    expect(files.get('/run/pillars/etc/network.sh')).toBe('old script');
    expect(files.has('/proc/sys/net/ipv4/ip_forward')).toBe(false);
  });
});

describe('role registry', () => {
  it('a director config runs network, nofirewall, statesync (nothing to do without a firewall), vrrp, director and admin', () => {
    const sel = selectRoles(load(labConfig({ profile: 'director' })));
    expect(sel.run).toEqual(['network', 'nofirewall', 'statesync', 'vrrp', 'director', 'admin']);
    expect(sel.missing).toEqual([]);
  });

  it('every role after the filter phase waits for it', () => {
    const plan = planRoles(ctx(load(starter)), selectRoles(load(starter)).run);
    expect(plan.services.find((s) => s.name === 'nofirewall')!.dependsOn).toEqual(['network', 'netmon']);
    expect(plan.services.find((s) => s.name === 'keepalived')!.dependsOn).toEqual(
      expect.arrayContaining(['network', 'nofirewall']),
    );
    expect(plan.services.find((s) => s.name === 'netmon')!.dependsOn).not.toContain('nofirewall');
  });

  it('statesync without a firewall: the IPVS half runs beside keepalived (the owner role starts the sync daemons), no conntrackd', () => {
    const config = load(labConfig({ profile: 'director' }));
    const c = {
      config,
      nodeName: 'node1',
      node: config.nodes.node1!,
      etcDir: '/run/pillars/etc',
      eventFifo: '/run/pillars/events',
    };
    expect(statesyncRole.services(c)).toEqual([]);
    expect(statesyncRole.render(c)).toEqual([]);
  });
});
