import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * The firewall and statesync roles: what the rendered ruleset and conntrackd.conf say for the
 * decisions an admin relies on (rule order, reject, NAT, the pair's own traffic, marks), the
 * services and checks, and the counters in pillarsctl status.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, formatIssues, type PillarsConfig } from '../../../overlay/config/index.js';
import {
  firewallRole,
  firewallView,
  pairTraffic,
  renderFirewallView,
  FIREWALL_LOAD_SERVICE,
  FIREWALL_LOG_SERVICE,
} from '../../../overlay/roles/firewall/index.js';
import {
  statesyncRole,
  statesyncView,
  CONNTRACKD_SERVICE,
  RESYNC_SERVICE,
} from '../../../overlay/roles/statesync/index.js';
import { vrrpRole } from '../../../overlay/roles/vrrp/index.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import { firewallSection, parseCounters } from '../../../overlay/pillarsctl/firewall.js';
import { labConfig } from '../../../builder/drill/lab-config.js';
import { firewallYaml } from '../../../builder/drill/firewall-lab.js';
import { countConnections } from '../../../builder/drill/drill.js';
import { contextFor } from '../../fixtures/render/cases.js';

function load(text: string): PillarsConfig {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(formatIssues(r.issues));
  return r.config;
}
const issuesOf = (text: string) => {
  const r = loadConfig(text);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

const BASE = `version: 1
profile: firewall
nodes:
  fw1:
    interfaces:
      out: { mac: "52:54:00:00:01:01", addresses: [192.0.2.2/24, "2001:db8::2/64"] }
      in: { mac: "52:54:00:00:01:02", addresses: [198.51.100.2/24] }
      sync: { mac: "52:54:00:00:01:03", addresses: [203.0.113.1/24] }
  fw2:
    interfaces:
      out: { mac: "52:54:00:00:02:01", addresses: [192.0.2.3/24, "2001:db8::3/64"] }
      in: { mac: "52:54:00:00:02:02", addresses: [198.51.100.3/24] }
      sync: { mac: "52:54:00:00:02:03", addresses: [203.0.113.2/24] }
vrrp:
  instances:
    - { name: VI_OUT, interface: out, vrid: 1, priority: { fw1: 150, fw2: 100 }, vips: [192.0.2.1/24] }
    - { name: VI_IN, interface: in, vrid: 2, priority: { fw1: 150, fw2: 100 }, vips: [198.51.100.1/24] }
  sync_groups: [{ name: VG, instances: [VI_OUT, VI_IN] }]
statesync: { interface: sync }
`;
const FW = `firewall:
  zones: { net: { interfaces: [out] }, loc: { interfaces: [in] } }
  rules:
    - { from: net, to: loc, protocol: tcp, ports: [80, "1000-2000"], destinations: [198.51.100.10], comment: web }
    - { from: net, to: loc, protocol: tcp, ports: [81], action: reject }
    - { from: net, to: loc, protocol: udp, ports: [53], action: reject }
    - { from: loc, to: net, sources: [198.51.100.0/24, "2001:db8:1::/64"] }
    - { from: net, to: self, protocol: icmp, rate_limit: 3/second }
  masquerade: [{ out: in }]
  port_forwards: [{ in: out, port: 8080, destination: 192.0.2.1, to: "198.51.100.10:80" }]
`;
const config = () => load(BASE + FW);
const nft = (c: PillarsConfig, node = 'fw1') => renderFirewallView(firewallView(contextFor(c, node)));
const chain = (text: string, name: string) => {
  const m = new RegExp(`chain ${name} \\{\\n([\\s\\S]*?)\\n\\t\\}`).exec(text);
  if (!m) throw new Error(`no chain ${name} in\n${text}`);
  return m[1]!.split('\n').map((l) => l.trim());
};

describe('firewall ruleset', () => {
  it('starts with flush ruleset and holds one inet table (one nft -f transaction replaces the safe state)', () => {
    const text = nft(config());
    const body = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(body[0]).toBe('flush ruleset');
    expect(text.match(/^table /gm)).toEqual(['table ']);
    expect(text).toContain('table inet pillars {');
  });

  it('keeps the config rules in order after the fast path, each with a counter and a comment', () => {
    const fwd = chain(nft(config()), 'forward');
    expect(fwd[1]).toBe('ct state established,related counter accept comment "established/related"');
    const web = fwd.findIndex((l) => l.endsWith('comment "web"'));
    const reject = fwd.findIndex((l) => l.includes('tcp dport 81'));
    expect(web).toBeGreaterThan(1);
    expect(reject).toBeGreaterThan(web);
    expect(fwd[web]).toBe(
      'iifname "out" oifname "in" ip daddr 198.51.100.10 tcp dport { 80, 1000-2000 } counter accept comment "web"',
    );
    for (const l of fwd.slice(1)) expect(l).toMatch(/ counter .*comment "/);
  });

  it('reject: a TCP reset for tcp, ICMP unreachable otherwise', () => {
    const fwd = chain(nft(config()), 'forward');
    expect(fwd.find((l) => l.includes('tcp dport 81'))).toContain('reject with tcp reset comment "rules[1]"');
    expect(fwd.find((l) => l.includes('udp dport 53'))).toMatch(/counter reject comment/);
  });

  it('splits a rule naming IPv4 and IPv6 sources into one line per family', () => {
    const fwd = chain(nft(config()), 'forward').filter((l) => l.endsWith('comment "rules[3]"'));
    expect(fwd).toEqual([
      'iifname "in" oifname "out" ip saddr 198.51.100.0/24 counter accept comment "rules[3]"',
      'iifname "in" oifname "out" ip6 saddr 2001:db8:1::/64 counter accept comment "rules[3]"',
    ]);
  });

  it('a rate limit lets packets above it fall through to the policy', () => {
    expect(chain(nft(config()), 'input')).toContain(
      'iifname "out" meta l4proto icmp limit rate 3/second counter accept comment "rules[4]"',
    );
  });

  it('a port forward is a DNAT plus the forward accept of the translated connection', () => {
    const text = nft(config());
    expect(chain(text, 'nat_prerouting')).toContain(
      'iifname "out" ip daddr 192.0.2.1 tcp dport 8080 counter dnat ip to 198.51.100.10:80 comment "port_forwards[0]"',
    );
    expect(chain(text, 'forward')).toContain(
      'iifname "out" ip daddr 198.51.100.10 tcp dport 80 ct status dnat counter accept comment "port_forwards[0]"',
    );
  });

  it('masquerade translates to the VIP of the outgoing interface (the peer can take over), else to the interface address', () => {
    expect(chain(nft(config()), 'nat_postrouting')).toEqual([
      'type nat hook postrouting priority srcnat; policy accept;',
      'iifname != "in" oifname "in" meta nfproto ipv4 counter snat ip to 198.51.100.1 comment "masquerade[0]"',
      'iifname != "in" oifname "in" meta nfproto ipv6 counter masquerade comment "masquerade[0] (no address of this family on in)"',
    ]);
  });

  it("allows the pair's own traffic only on the interfaces that carry it", () => {
    const input = chain(nft(config()), 'input');
    expect(input).toContain('iifname { "in", "out" } meta l4proto 112 counter accept comment "VRRP adverts"');
    expect(input).toContain('iifname "sync" udp dport 3780 counter accept comment "conntrackd state sync"');
    expect(
      pairTraffic(
        load(BASE.replace('statesync: { interface: sync }', 'statesync: { interface: sync, conntrackd: false }') + FW),
      ).map((p) => p.what),
    ).toEqual(['VRRP adverts']);
  });

  it('anti-spoofing on the zone interfaces, logged; off when asked', () => {
    expect(chain(nft(config()), 'raw_prerouting')[1]).toBe(
      'iifname { "in", "out" } meta nfproto ipv4 fib saddr . iif oif missing counter log prefix "pillars-drop spoofed: " level warn drop comment "anti-spoofing IPv4"',
    );
    expect(nft(load(BASE + FW.replace('firewall:\n', 'firewall:\n  anti_spoofing: false\n')))).not.toContain(
      'fib saddr',
    );
  });

  it('output policy drop keeps the essentials and the pair traffic; drop policies log rate-limited', () => {
    const text = nft(
      load(BASE + FW.replace('firewall:\n', 'firewall:\n  output_policy: drop\n  log_rate: 2/minute\n')),
    );
    const out = chain(text, 'output');
    expect(out[0]).toBe('type filter hook output priority filter; policy drop;');
    expect(out).toContain('oifname { "in", "out" } meta l4proto 112 counter accept comment "VRRP adverts"');
    expect(out.at(-1)).toBe(
      'limit rate 2/minute counter log prefix "pillars-drop output: " level warn comment "output policy drop"',
    );
  });

  it('firewall marks for director fwmark services; a fwmark service without a mark is refused', () => {
    const text = nft(
      load(BASE + FW + '  marks: [{ mark: 7, destinations: [192.0.2.1], ports: [80, 443], comment: web pool }]\n'),
    );
    expect(chain(text, 'mangle_prerouting')).toContain(
      'ip daddr 192.0.2.1 tcp dport { 80, 443 } counter meta mark set 7 comment "web pool"',
    );
    const director =
      BASE.replace('profile: firewall', 'profile: director').replace(/statesync:.*\n/, '') +
      'firewall:\n  zones: { net: { interfaces: [out] } }\ndirector:\n  virtual_servers:\n    - { fwmark: 7, real_servers: [{ address: 198.51.100.10 }] }\n';
    expect(issuesOf(director)).toEqual([
      "director.virtual_servers[0].fwmark: nothing sets firewall mark 7: add a firewall.marks entry with mark 7 for the service's addresses and ports",
    ]);
  });

  it('refuses a comment that could break out of the nft string, and from self to self', () => {
    expect(issuesOf(BASE + FW.replace('comment: web', "comment: 'x\" accept'"))[0]).toMatch(/rules\[0\]\.comment/);
    expect(issuesOf(BASE + FW.replace('  masquerade:', '    - { from: self, to: self }\n  masquerade:'))[0]).toMatch(
      /rules\[5\]\.to: from self to self/,
    );
  });

  it('strict TCP tracking: no mid-stream pickup, so only replicated states pass after a failover', () => {
    expect(firewallRole.sysctls(contextFor(config(), 'fw1'))).toEqual({
      'net.netfilter.nf_conntrack_tcp_loose': '0',
      'net.ipv4.ip_forward': '1',
      'net.ipv6.conf.all.forwarding': '1',
    });
  });

  it('role: the check is nft -c -f on the file, the load a oneshot, the kernel log a service after it', () => {
    const ctx = contextFor(config(), 'fw1');
    expect(firewallRole.checks(ctx)).toEqual([
      { what: 'firewall.nft', command: ['nft', '-c', '-f', '/run/pillars/etc/firewall.nft'] },
    ]);
    const [load_, log] = firewallRole.services(ctx);
    expect(load_).toMatchObject({
      name: FIREWALL_LOAD_SERVICE,
      type: 'oneshot',
      command: ['nft', '-f', '/run/pillars/etc/firewall.nft'],
    });
    expect(log).toMatchObject({ name: FIREWALL_LOG_SERVICE, type: 'longrun', dependsOn: [FIREWALL_LOAD_SERVICE] });
  });

  it('the firewall log service passes on the drop lines of the kernel log and nothing else', () => {
    const [, log] = firewallRole.services(contextFor(config(), 'fw1'));
    const dir = mkdtempSync(join(tmpdir(), 'pillars-dmesg-'));
    try {
      // A stand-in for util-linux dmesg on PATH: the records the kernel would give.
      writeFileSync(
        join(dir, 'dmesg'),
        [
          '#!/bin/sh',
          "echo '2026-12-02T06:00:00 e1000: eth0 NIC Link is Up'",
          "echo '2026-12-02T06:00:01 pillars-drop forward: IN=lan OUT=dmz SRC=192.0.2.50 DST=198.51.100.10 PROTO=TCP DPT=82'",
          "echo '2026-12-02T06:00:02 nf_conntrack: table full, dropping packet'",
          "echo '2026-12-02T06:00:03 pillars-drop spoofed: IN=lan SRC=198.51.100.7'",
        ].join('\n') + '\n',
        { mode: 0o755 },
      );
      const r = spawnSync(log!.command[0]!, log!.command.slice(1), {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: 'utf8',
      });
      expect(r.stdout.trim().split('\n')).toEqual([
        '2026-12-02T06:00:01 pillars-drop forward: IN=lan OUT=dmz SRC=192.0.2.50 DST=198.51.100.10 PROTO=TCP DPT=82',
        '2026-12-02T06:00:03 pillars-drop spoofed: IN=lan SRC=198.51.100.7',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statesync (conntrackd)', () => {
  it("FTFW over multicast with the external cache disabled: states land in the backup's kernel table", () => {
    const files = statesyncRole.render(contextFor(config(), 'fw1'));
    const conf = files.find((f) => f.path.endsWith('/conntrackd.conf'))!.content;
    expect(conf).toContain('Mode FTFW {');
    expect(conf).toContain('DisableExternalCache on');
    expect(conf).toMatch(
      /Multicast \{\n\t\tIPv4_address 225\.0\.0\.50\n\t\tGroup 3780\n\t\tIPv4_interface 203\.0\.113\.1\n\t\tInterface sync/,
    );
    const notify = files.find((f) => f.path.endsWith('/statesync-notify.sh'))!.content;
    expect(notify).not.toContain('-c\n');
  });

  it('UDP to the other node; ALARM commits the external cache on takeover', () => {
    const c = load(
      BASE.replace(
        'statesync: { interface: sync }',
        'statesync: { interface: sync, transport: udp, mode: alarm, port: 3781 }',
      ) + FW,
    );
    const v = statesyncView({ config: c, nodeName: 'fw2', node: c.nodes.fw2!, runDir: '/run/pillars/etc' });
    expect(v.transport).toEqual({
      kind: 'udp',
      local: '203.0.113.2',
      peer: '203.0.113.1',
      port: 3781,
      interface: 'sync',
    });
    expect(v.commitOnTakeover).toBe(true);
    const notify = statesyncRole
      .render(contextFor(c, 'fw2'))
      .find((f) => f.path.endsWith('/statesync-notify.sh'))!.content;
    expect(notify).toContain('conntrackd -C "$CONF" -c');
  });

  it('keepalived calls the hook on the sync group; it waits for the resync before it starts', () => {
    const c = config();
    const ctx = contextFor(c, 'fw1');
    const ka = vrrpRole.render(ctx)[0]!.content;
    expect(ka).toMatch(
      /vrrp_sync_group VG \{[\s\S]*notify_master "\/run\/pillars\/etc\/statesync-notify.sh primary"[\s\S]*notify_backup "\/run\/pillars\/etc\/statesync-notify.sh backup"/,
    );
    expect(ka).toContain('enable_script_security');
    const plan = planRoles(ctx, selectRoles(c).run);
    expect(plan.roles).toEqual(['network', 'firewall', 'statesync', 'vrrp']);
    const svc = (n: string) => plan.services.find((s) => s.name === n)!;
    expect(svc(RESYNC_SERVICE).dependsOn).toContain(CONNTRACKD_SERVICE);
    expect(svc('keepalived').dependsOn).toEqual(
      expect.arrayContaining([RESYNC_SERVICE, CONNTRACKD_SERVICE, FIREWALL_LOAD_SERVICE]),
    );
  });

  it('conntrackd: false runs no conntrackd and no hook', () => {
    const c = load(
      BASE.replace('statesync: { interface: sync }', 'statesync: { interface: sync, conntrackd: false }') + FW,
    );
    const ctx = contextFor(c, 'fw1');
    expect(statesyncRole.render(ctx)).toEqual([]);
    expect(statesyncRole.services(ctx)).toEqual([]);
    expect(vrrpRole.render(ctx)[0]!.content).not.toContain('statesync-notify');
  });
});

describe('firewall counters in pillarsctl status', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: '1.1.3' } },
      { table: { family: 'inet', name: 'pillars' } },
      {
        rule: {
          family: 'inet',
          table: 'pillars',
          chain: 'input',
          comment: 'loopback',
          expr: [{ match: {} }, { counter: { packets: 3, bytes: 180 } }, { accept: null }],
        },
      },
      {
        rule: {
          family: 'inet',
          table: 'pillars',
          chain: 'forward',
          comment: 'web',
          expr: [{ counter: { packets: 12, bytes: 3400 } }, { accept: null }],
        },
      },
      { rule: { family: 'inet', table: 'pillars', chain: 'forward', expr: [{ accept: null }] } },
    ],
  });
  it('lists every rule with a counter, per chain', () => {
    const c = parseCounters(json);
    expect(c).toEqual([
      { chain: 'input', comment: 'loopback', packets: 3, bytes: 180 },
      { chain: 'forward', comment: 'web', packets: 12, bytes: 3400 },
    ]);
    expect(firewallSection(c)).toEqual([
      'firewall counters (packets, bytes, rule):',
      '  input:',
      '             3          180  loopback',
      '  forward:',
      '            12         3400  web',
    ]);
  });
});

describe('firewall lab', () => {
  it('the drill config validates, with and without conntrackd', () => {
    for (const conntrackd of [true, false]) {
      const r = loadConfig(labConfig({ profile: 'firewall', extraYaml: firewallYaml({ conntrackd }) }), 'pillars.yaml');
      expect(r.ok ? [] : formatIssues(r.issues)).toEqual([]);
    }
  });
  it('counts surviving connections and resets', () => {
    const c = (id: number, lastReplyAt: number, error: string | null = null) => ({
      id,
      backend: 'web1',
      sent: 1,
      received: 1,
      lastReplyAt,
      closed: error !== null,
      error,
    });
    expect(
      countConnections(
        { masquerade: [c(0, 200), c(1, 50, 'read ECONNRESET')], forward: [c(2, 300), c(3, 90)] },
        4,
        100,
      ),
    ).toEqual({ survived: 2, total: 4, resets: 1 });
  });
});
