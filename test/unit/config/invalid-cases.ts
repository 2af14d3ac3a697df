/**
 * Invalid configs and the exact messages they give. Each case edits one of two small valid
 * configs (test/fixtures/config/base-*.yaml) and lists every expected issue, formatted.
 */
export interface Case {
  name: string;
  base: 'director' | 'heartbeat';
  /** [from, to] text replacements applied in order (each `from` must occur); END appends, WHOLE replaces all. */
  edits: [string, string][];
  expect: string[];
}

const c = (name: string, edits: [string, string][], expect: string[], base: Case['base'] = 'director'): Case => ({
  name,
  base,
  edits,
  expect,
});
const END = '\u0000END';
const WHOLE = '\u0000WHOLE';

export const cases: Case[] = [
  // ---- syntax and structure
  c(
    'YAML syntax error',
    [['vrid: 51', 'vrid: [51']],
    [
      'pillars.yaml:16:7: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  ),
  c(
    'empty file',
    [[WHOLE, '# nothing here\n']],
    ['pillars.yaml:1:1: the file is empty (start from a starter config: pillars stick init)'],
  ),
  c(
    'duplicate key',
    [['      vrid: 51\n', '      vrid: 51\n      vrid: 52\n']],
    ['pillars.yaml:16:7: vrrp.instances[0].vrid: duplicate key "vrid"'],
  ),
  c(
    'unknown top-level key, with a suggestion',
    [[END, 'vrpp: {}\n']],
    ['pillars.yaml:24:1: vrpp: unknown key "vrpp" (did you mean "vrrp"?)'],
  ),
  c(
    'nopreempt with preempt_delay',
    [['      vrid: 51\n', '      vrid: 51\n      nopreempt: true\n      preempt_delay: 10\n']],
    [
      'pillars.yaml:17:22: vrrp.instances[0].preempt_delay: has no effect with nopreempt: true (a node that never preempts has nothing to delay); remove one of them',
    ],
  ),
  c(
    'unknown nested key',
    [['      vrid: 51\n', '      vrid: 51\n      priorty: 3\n']],
    ['pillars.yaml:16:7: vrrp.instances[0].priorty: unknown key "priorty" (did you mean "priority"?)'],
  ),
  c('missing version', [['version: 1\n', '']], ['pillars.yaml:1:1: version: required']),
  c('wrong version', [['version: 1', 'version: 2']], ['pillars.yaml:1:10: version: must be one of 1, got 2']),
  c(
    'unknown profile',
    [['version: 1\n', 'version: 1\nprofile: balancer\n']],
    ['pillars.yaml:2:10: profile: must be one of director, firewall, router, heartbeat, realserver, got "balancer"'],
  ),
  c(
    'string where an integer is declared',
    [['vrid: 51', 'vrid: fifty']],
    ['pillars.yaml:15:13: vrrp.instances[0].vrid: must be an integer, got "fifty"'],
  ),
  c(
    'scalar where a list is declared',
    [['vips: [192.0.2.10/24]', 'vips: 192.0.2.10/24']],
    ['pillars.yaml:17:13: vrrp.instances[0].vips: must be a list, got "192.0.2.10/24"'],
  ),
  c(
    'yes is not a boolean in YAML 1.2',
    [['      vrid: 51\n', '      vrid: 51\n      nopreempt: yes\n']],
    ['pillars.yaml:16:18: vrrp.instances[0].nopreempt: must be true or false, got "yes"'],
  ),
  c(
    'map where a scalar is declared',
    [['port: 80', 'port: { number: 80 }']],
    ['pillars.yaml:21:13: director.virtual_servers[0].port: must be an integer, got a map'],
  ),
  // ---- ranges and formats
  c(
    'vrid out of range',
    [['vrid: 51', 'vrid: 256']],
    ['pillars.yaml:15:13: vrrp.instances[0].vrid: must be 1-255, got 256'],
  ),
  c(
    'priority out of range',
    [['a: 150, b: 100', 'a: 300, b: 100']],
    ['pillars.yaml:16:22: vrrp.instances[0].priority.a: must be 1-254, got 300'],
  ),
  c(
    'advert_int not in 10 ms steps',
    [['      vrid: 51\n', '      vrid: 51\n      advert_int: 15\n']],
    ['pillars.yaml:16:19: vrrp.instances[0].advert_int: must be a multiple of 10, got 15'],
  ),
  c(
    'VRRPv2 advert_int in whole seconds',
    [['      vrid: 51\n', '      vrid: 51\n      version: 2\n      advert_int: 1500\n']],
    ['pillars.yaml:17:19: vrrp.instances[0].advert_int: VRRPv2 needs whole seconds (a multiple of 1000 ms), got 1500'],
  ),
  c(
    'VRRPv3 advert_int at most 40950 ms',
    [['      vrid: 51\n', '      vrid: 51\n      advert_int: 50000\n']],
    ['pillars.yaml:16:19: vrrp.instances[0].advert_int: VRRPv3 allows at most 40950 ms, got 50000'],
  ),
  c(
    'bad MAC address',
    [['52:54:00:00:00:01', '52:54:00:00:01']],
    [
      'pillars.yaml:5:19: nodes.a.interfaces.wan.mac: must be a MAC address (e.g. 52:54:00:12:34:56), got "52:54:00:00:01"',
    ],
  ),
  c(
    'address without prefix length',
    [['[192.0.2.2/24]', '[192.0.2.2]']],
    [
      'pillars.yaml:5:52: nodes.a.interfaces.wan.addresses[0]: must be an address with prefix length (e.g. 10.0.0.1/24), got "192.0.2.2"',
    ],
  ),
  c(
    'bad node name',
    [
      ['  b:\n', '  Box-B:\n'],
      ['{ a: 150, b: 100 }', '{ a: 150, Box-B: 100 }'],
    ],
    [
      'pillars.yaml:7:3: nodes.Box-B: key "Box-B" must be a name of lowercase letters, digits, - and _ starting with a letter (at most 31)',
      'pillars.yaml:16:27: vrrp.instances[0].priority.Box-B: key "Box-B" must be a name of lowercase letters, digits, - and _ starting with a letter (at most 31)',
    ],
  ),
  c(
    'unknown scheduler',
    [['      port: 80\n', '      port: 80\n      scheduler: roundrobin\n']],
    [
      'pillars.yaml:22:18: director.virtual_servers[0].scheduler: must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, got "roundrobin"',
    ],
  ),
  c(
    'unknown forwarding method',
    [['      port: 80\n', '      port: 80\n      forwarding: direct\n']],
    ['pillars.yaml:22:19: director.virtual_servers[0].forwarding: must be one of nat, dr, tun, got "direct"'],
  ),
  c(
    'bad persistence netmask',
    [['      port: 80\n', '      port: 80\n      persistence: { timeout: 300, netmask: 255.0.255.0 }\n']],
    [
      'pillars.yaml:22:45: director.virtual_servers[0].persistence.netmask: must be a netmask (e.g. 255.255.255.0), got "255.0.255.0"',
    ],
  ),
  c(
    'bad digest',
    [['      port: 80\n', '      port: 80\n      check: { type: HTTP_GET, urls: [{ path: /, digest: xyz }] }\n']],
    [
      'pillars.yaml:22:58: director.virtual_servers[0].check.urls[0].digest: must be 32 lowercase hex digits (an MD5 digest), got "xyz"',
    ],
  ),
  c(
    'unknown check type',
    [['      port: 80\n', '      port: 80\n      check: { type: HTTP_CHECK }\n']],
    [
      'pillars.yaml:22:22: director.virtual_servers[0].check.type: must be one of HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, DNS_CHECK, got "HTTP_CHECK"',
    ],
  ),
  c(
    'check without type',
    [['      port: 80\n', '      port: 80\n      check: { connect_timeout: 3 }\n']],
    [
      'pillars.yaml:22:14: director.virtual_servers[0].check.type: required (one of HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, DNS_CHECK)',
    ],
  ),
  c(
    'bad sysctl name',
    [[END, 'sysctl:\n  ip_forward: 1\n']],
    ['pillars.yaml:25:3: sysctl.ip_forward: key "ip_forward" must be a sysctl name such as net.ipv4.ip_forward'],
  ),
  c(
    'plain password instead of a hash',
    [[END, 'admin:\n  console_password_hash: hunter2\n']],
    [
      'pillars.yaml:25:26: admin.console_password_hash: must be a crypt hash ($y$\u2026, $6$\u2026 or $5$\u2026), never a plain password, got 7 characters',
    ],
  ),
  c(
    'bad ssh key',
    [[END, 'admin:\n  ssh_authorized_keys: ["AAAAB3Nza root@host"]\n']],
    [
      'pillars.yaml:25:25: admin.ssh_authorized_keys[0]: must be an OpenSSH public key line (ssh-ed25519 AAAA\u2026 comment), got "AAAAB3Nza root@host"',
    ],
  ),
  c(
    'ssh keys without ssh_listen',
    [[END, 'admin:\n  ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@host"]\n']],
    [
      'pillars.yaml:25:3: admin.ssh_listen: say where SSH listens (e.g. ["192.0.2.2:22"]) \u2014 it never listens everywhere by default',
    ],
  ),
  c(
    'ssh_listen without ssh keys',
    [[END, 'admin:\n  ssh_listen: ["10.0.0.2:22"]\n']],
    ['pillars.yaml:25:3: admin.ssh_listen: no ssh_authorized_keys: SSH would let nobody in'],
  ),
  c(
    'ssh_listen without a port',
    [
      [
        END,
        'admin:\n  ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@host"]\n  ssh_listen: ["10.0.0.2"]\n',
      ],
    ],
    ['pillars.yaml:26:16: admin.ssh_listen[0]: must be host:port (e.g. 10.0.0.1:80), got "10.0.0.2"'],
  ),
  c(
    'bad alert address',
    [[END, 'alerts: { smtp_server: mail.example.com, from: lvs, to: [ops@example.com] }\n']],
    [
      'pillars.yaml:24:48: alerts.from: must be an e-mail address (letters, digits and ._%+- before the @, a domain after it), got "lvs"',
    ],
  ),
  c(
    'VRRP password longer than 8 bytes',
    [['      vrid: 51\n', '      vrid: 51\n      version: 2\n      auth: { pass: longpassword }\n']],
    ['pillars.yaml:17:21: vrrp.instances[0].auth.pass: must be at most 8 bytes (UTF-8), got 12'],
  ),
  c(
    'secret given as a number is not echoed',
    [['      vrid: 51\n', '      vrid: 51\n      version: 2\n      auth: { pass: 12345678 }\n']],
    ['pillars.yaml:17:21: vrrp.instances[0].auth.pass: must be a string, got a number'],
  ),
  // ---- nodes and interfaces
  c(
    'more than two nodes',
    [
      [
        'vrrp:\n',
        '  c:\n    interfaces:\n      wan: { mac: "52:54:00:00:00:05", addresses: [192.0.2.4/24] }\n      lan: { mac: "52:54:00:00:00:06", addresses: [10.0.0.4/24] }\nvrrp:\n',
      ],
      ['{ a: 150, b: 100 }', '{ a: 150, b: 100, c: 50 }'],
    ],
    ['pillars.yaml:2:1: nodes: at most 2 nodes (a pair), got 3'],
  ),
  c(
    'duplicate MAC',
    [['52:54:00:00:00:03', '52:54:00:00:00:01']],
    ['pillars.yaml:9:19: nodes.b.interfaces.wan.mac: 52:54:00:00:00:01 is also the MAC of a.wan'],
  ),
  c(
    'duplicate address',
    [['[10.0.0.3/24]', '[10.0.0.2/24]']],
    ['pillars.yaml:10:52: nodes.b.interfaces.lan.addresses[0]: 10.0.0.2 is also an address of a.lan'],
  ),
  c(
    'physical interface without MAC',
    [['{ mac: "52:54:00:00:00:04", addresses', '{ addresses']],
    ['pillars.yaml:10:12: nodes.b.interfaces.lan.mac: required (a physical interface is found by its MAC address)'],
  ),
  c(
    'VLAN interface with a MAC',
    [[END, 'interfaces:\n  lan: { vlan: { parent: wan, id: 10 } }\n']],
    [
      'pillars.yaml:6:19: nodes.a.interfaces.lan.mac: a VLAN interface has no MAC of its own (it is VLAN 10 on wan)',
      'pillars.yaml:10:19: nodes.b.interfaces.lan.mac: a VLAN interface has no MAC of its own (it is VLAN 10 on wan)',
    ],
  ),
  c(
    'shared interface on no node',
    [[END, 'interfaces:\n  dmz: { mtu: 1400 }\n']],
    ['pillars.yaml:25:3: interfaces.dmz: interface "dmz" is not defined on any node'],
  ),
  c(
    'route via an unreachable gateway',
    [[END, 'routes:\n  - { to: default, via: 198.51.100.1 }\n']],
    [
      'pillars.yaml:25:25: routes[0].via: 198.51.100.1 is not in a subnet of any interface of node a',
      'pillars.yaml:25:25: routes[0].via: 198.51.100.1 is not in a subnet of any interface of node b',
    ],
  ),
  c(
    'route destination without prefix',
    [[END, 'routes:\n  - { to: 198.51.100.0, via: 192.0.2.1 }\n']],
    [
      'pillars.yaml:25:11: routes[0].to: must be "default" or a destination with prefix length (e.g. 198.51.100.0/24), got "198.51.100.0"',
    ],
  ),
  // ---- vrrp.bfd
  c(
    'BFD without an interface and no sync link to default to',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['vrrp:\n', 'vrrp:\n  bfd: {}\n'],
    ],
    [
      'pillars.yaml:12:8: vrrp.bfd.interface: required: name the interface the session runs on (there is no statesync.interface to default to)',
    ],
  ),
  c(
    'track_bfd without a BFD section',
    [['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n']],
    [
      'pillars.yaml:18:18: vrrp.instances[0].track_bfd: there is no vrrp.bfd section to track (add one: the BFD session to the other node)',
    ],
  ),
  c(
    'a BFD section nothing tracks',
    [['vrrp:\n', 'vrrp:\n  bfd: { interface: lan }\n']],
    [
      'pillars.yaml:12:3: vrrp.bfd: no instance tracks the session: set track_bfd: true on an instance or a sync group (an untracked session changes nothing)',
    ],
  ),
  c(
    'BFD priority_change 0 (FAULT while down)',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: lan, priority_change: 0 }\n'],
    ],
    [
      'pillars.yaml:19:18: vrrp.instances[0].track_bfd: instance VI_1: priority_change 0 would put the instance in FAULT while the session is down, so the backup could not take over when the peer dies; use a non-zero change',
    ],
  ),
  c(
    'BFD priority_change as large as the priority gap',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: lan, priority_change: -50 }\n'],
    ],
    [
      'pillars.yaml:19:18: vrrp.instances[0].track_bfd: instance VI_1: priority_change -50 is not smaller than the gap between the priorities 150 and 100: a session seen down on one node first would reorder the pair (widen the gap or use a smaller change)',
    ],
  ),
  c(
    'BFD priority_change past 254',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['{ a: 150, b: 100 }', '{ a: 250, b: 100 }'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: lan, priority_change: 10 }\n'],
    ],
    [
      'pillars.yaml:19:18: vrrp.instances[0].track_bfd: instance VI_1: priority 250 + priority_change 10 exceeds 254 (keepalived would cut it and tie the nodes)',
    ],
  ),
  c(
    'BFD on an unknown interface',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: sync }\n'],
    ],
    ['pillars.yaml:12:21: vrrp.bfd.interface: unknown interface "sync" on node a'],
  ),
  c(
    'BFD intervals and multiplier out of range',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: lan, min_rx: 0, min_tx: 20000, idle_tx: 500, multiplier: 1 }\n'],
    ],
    [
      'pillars.yaml:12:34: vrrp.bfd.min_rx: must be 1-10000, got 0',
      'pillars.yaml:12:45: vrrp.bfd.min_tx: must be 1-10000, got 20000',
      'pillars.yaml:12:61: vrrp.bfd.idle_tx: must be 1000-10000, got 500',
      'pillars.yaml:12:78: vrrp.bfd.multiplier: must be 2-10, got 1',
    ],
  ),
  c(
    'BFD peer on another subnet without multihop',
    [
      ['      vips: [192.0.2.10/24]\n', '      vips: [192.0.2.10/24]\n      track_bfd: true\n'],
      ['10.0.0.3/24', '10.0.1.3/24'],
      ['vrrp:\n', 'vrrp:\n  bfd: { interface: lan }\n'],
    ],
    [
      'pillars.yaml:12:8: vrrp.bfd.multihop: 10.0.1.3 (node b) is not on the subnet of 10.0.0.2/24 (node a) on lan: set multihop: true for a routed session',
      'pillars.yaml:25:20: director.virtual_servers[0].real_servers[0].address: 10.0.0.11 is not in a subnet of node b (nat needs the real servers on a network of the director)',
    ],
  ),
  // ---- vrrp
  c(
    'priority for an unknown node',
    [['{ a: 150, b: 100 }', '{ a: 150, b: 100, x: 90 }']],
    ['pillars.yaml:16:35: vrrp.instances[0].priority.x: unknown node "x"'],
  ),
  c(
    'priority missing for a node',
    [['{ a: 150, b: 100 }', '{ a: 150 }']],
    ['pillars.yaml:16:17: vrrp.instances[0].priority: missing node b'],
  ),
  c(
    'equal priorities',
    [['{ a: 150, b: 100 }', '{ a: 100, b: 100 }']],
    [
      'pillars.yaml:16:30: vrrp.instances[0].priority.b: same priority 100 as node a; the nodes of an instance need distinct priorities',
    ],
  ),
  c(
    'VIP outside the interface subnet',
    [['vips: [192.0.2.10/24]', 'vips: [198.51.100.10/24]']],
    [
      'pillars.yaml:17:14: vrrp.instances[0].vips[0]: 198.51.100.10/24 is not in a subnet of interface wan on node a',
      'pillars.yaml:20:12: director.virtual_servers[0].vip: 192.0.2.10 is not a VIP of any vrrp, carp or heartbeat resource',
    ],
  ),
  c(
    'VIP is a node address',
    [['vips: [192.0.2.10/24]', 'vips: [192.0.2.10/24, 192.0.2.3]']],
    ['pillars.yaml:17:29: vrrp.instances[0].vips[1]: 192.0.2.3 is the address of node b on wan, not a virtual one'],
  ),
  c(
    'VRID used twice on an interface',
    [
      [
        'director:',
        '    - { name: VI_2, interface: wan, vrid: 51, priority: { a: 1, b: 2 }, vips: [192.0.2.11] }\ndirector:',
      ],
    ],
    ['pillars.yaml:18:43: vrrp.instances[1].vrid: 51 is already used on interface wan by vrrp instance VI_1'],
  ),
  c(
    'unknown vrrp interface',
    [['interface: wan', 'interface: dmz']],
    ['pillars.yaml:14:18: vrrp.instances[0].interface: unknown interface "dmz" on node a'],
  ),
  c(
    'auth in VRRPv3',
    [['      vrid: 51\n', '      vrid: 51\n      auth: { pass: secret }\n']],
    ['pillars.yaml:16:7: vrrp.instances[0].auth: authentication exists only in VRRPv2 (set version: 2 or remove auth)'],
  ),
  c(
    'unknown track script',
    [['      vrid: 51\n', '      vrid: 51\n      track_scripts: [chk_web]\n']],
    ['pillars.yaml:16:23: vrrp.instances[0].track_scripts[0]: unknown script "chk_web" (define it under vrrp.scripts)'],
  ),
  c(
    'sync group with an unknown instance',
    [['director:', '  sync_groups:\n    - { name: G1, instances: [VI_1, VI_9] }\ndirector:']],
    ['pillars.yaml:19:37: vrrp.sync_groups[0].instances[1]: unknown vrrp instance "VI_9"'],
  ),
  c(
    'CARP vhid clashes with a VRRP vrid',
    [
      [
        'director:',
        'carp:\n  instances:\n    - { interface: wan, vhid: 51, advskew: { a: 0, b: 100 }, password: pw, vips: [192.0.2.20] }\ndirector:',
      ],
    ],
    [
      'pillars.yaml:20:31: carp.instances[0].vhid: 51 is already used on interface wan by vrrp instance VI_1 (same virtual MAC)',
    ],
  ),
  c(
    'equal CARP advskew',
    [
      [
        'director:',
        'carp:\n  instances:\n    - { interface: wan, vhid: 9, advskew: { a: 10, b: 10 }, password: pw, vips: [192.0.2.20] }\ndirector:',
      ],
    ],
    [
      'pillars.yaml:20:55: carp.instances[0].advskew.b: same advskew 10 as node a; the nodes of an instance need distinct advskews',
    ],
  ),
  // ---- director
  c(
    'virtual server with neither vip:port nor fwmark',
    [['    - vip: 192.0.2.10\n      port: 80\n', '    - scheduler: rr\n']],
    ['pillars.yaml:20:7: director.virtual_servers[0]: needs vip and port, or fwmark'],
  ),
  c(
    'vip and fwmark together',
    [['      port: 80\n', '      fwmark: 1\n']],
    [
      'pillars.yaml:20:7: director.virtual_servers[0].vip: vip and fwmark exclude each other (a fwmark service matches marked packets)',
    ],
  ),
  c(
    'virtual server VIP not held by vrrp',
    [['    - vip: 192.0.2.10', '    - vip: 192.0.2.99']],
    [
      'pillars.yaml:20:12: director.virtual_servers[0].vip: 192.0.2.99 is not a VIP of any vrrp, carp or heartbeat resource',
    ],
  ),
  c(
    'NAT real server off the director networks',
    [['- address: 10.0.0.11', '- address: 172.16.5.11']],
    [
      'pillars.yaml:23:20: director.virtual_servers[0].real_servers[0].address: 172.16.5.11 is not in a subnet of node a (nat needs the real servers on a network of the director)',
    ],
  ),
  c(
    'DR cannot change the port',
    [
      ['      port: 80\n', '      port: 80\n      forwarding: dr\n'],
      ['- address: 10.0.0.11', '- { address: 10.0.0.11, port: 8080 }'],
    ],
    [
      'pillars.yaml:24:39: director.virtual_servers[0].real_servers[0].port: dr forwarding cannot change the port (virtual server port 80, got 8080)',
    ],
  ),
  c(
    'real server listed twice',
    [['        - address: 10.0.0.11\n', '        - address: 10.0.0.11\n        - address: 10.0.0.11\n']],
    ['pillars.yaml:24:20: director.virtual_servers[0].real_servers[1].address: 10.0.0.11:80 is listed twice'],
  ),
  c(
    'HTTP_GET url without digest or status',
    [['      port: 80\n', '      port: 80\n      check: { type: HTTP_GET, urls: [{ path: / }] }\n']],
    ['pillars.yaml:22:39: director.virtual_servers[0].check.urls[0]: needs digest or status_code'],
  ),
  c(
    'port 0 without persistence',
    [['      port: 80', '      port: 0']],
    ['pillars.yaml:21:13: director.virtual_servers[0].port: port 0 (all ports) needs persistence'],
  ),
  c(
    'same virtual server twice',
    [[END, '    - { vip: 192.0.2.10, port: 80, real_servers: [{ address: 10.0.0.12 }] }\n']],
    ['pillars.yaml:24:7: director.virtual_servers[1]: 192.0.2.10:80/tcp is already director.virtual_servers[0]'],
  ),
  c(
    'weight out of range',
    [['- address: 10.0.0.11', '- { address: 10.0.0.11, weight: 70000 }']],
    ['pillars.yaml:23:41: director.virtual_servers[0].real_servers[0].weight: must be 0-65535, got 70000'],
  ),
  c(
    'director section missing for profile director',
    [
      [
        'director:\n  virtual_servers:\n    - vip: 192.0.2.10\n      port: 80\n      real_servers:\n        - address: 10.0.0.11\n',
        '',
      ],
    ],
    ['pillars.yaml:1:1: director: required by profile director'],
  ),
  c(
    'section the profile does not run',
    [[END, 'realserver: { vips: [192.0.2.10] }\n']],
    [
      'pillars.yaml:24:1: realserver: not used by profile director (it runs: firewall, statesync, vrrp, carp, director)',
    ],
  ),
  // ---- firewall, statesync
  c(
    'firewall rule with an unknown zone',
    [[END, 'firewall:\n  zones: { out: { interfaces: [wan] } }\n  rules:\n    - { from: inside, to: self }\n']],
    ['pillars.yaml:27:15: firewall.rules[0].from: unknown zone "inside"'],
  ),
  c(
    'ports with protocol icmp',
    [
      [
        END,
        'firewall:\n  zones: { out: { interfaces: [wan] } }\n  rules:\n    - { from: out, to: self, protocol: icmp, ports: [22] }\n',
      ],
    ],
    ['pillars.yaml:27:46: firewall.rules[0].ports: ports need protocol tcp or udp, got icmp'],
  ),
  c(
    'port range written wrong',
    [
      [
        END,
        'firewall:\n  zones: { out: { interfaces: [wan] } }\n  rules:\n    - { from: out, to: self, protocol: tcp, ports: ["1000:2000"] }\n',
      ],
    ],
    [
      'pillars.yaml:27:53: firewall.rules[0].ports[0]: must be a port 1-65535 or a range "a-b" of ports with a < b, got "1000:2000"',
    ],
  ),
  c(
    'statesync on an unknown interface',
    [[END, 'statesync: { interface: sync }\n']],
    ['pillars.yaml:24:25: statesync.interface: unknown interface "sync" on node a'],
  ),
  // ---- heartbeat
  c(
    'deadtime not above 2 × keepalive',
    [['deadtime: 30000', 'deadtime: 4000']],
    ['pillars.yaml:12:13: heartbeat.deadtime: must be greater than 2 × keepalive (4000 ms), got 4000 ms'],
    'heartbeat',
  ),
  c(
    'initdead below deadtime',
    [['  deadtime: 30000\n', '  deadtime: 30000\n  initdead: 20000\n']],
    ['pillars.yaml:13:13: heartbeat.initdead: must be at least deadtime (30000 ms), got 20000 ms'],
    'heartbeat',
  ),
  c(
    'warntime outside keepalive..deadtime',
    [['  deadtime: 30000\n', '  deadtime: 30000\n  warntime: 1500\n']],
    [
      'pillars.yaml:13:13: heartbeat.warntime: must be between keepalive (2000 ms) and deadtime (30000 ms), got 1500 ms',
    ],
    'heartbeat',
  ),
  c(
    'timers written in seconds',
    [['keepalive: 2000', 'keepalive: 2']],
    ['pillars.yaml:11:14: heartbeat.keepalive: must be 10-3600000, got 2'],
    'heartbeat',
  ),
  c(
    'serial link on the console port',
    [['{ type: ucast, interface: lan }', '{ type: serial, device: /dev/ttyS0 }']],
    [
      'pillars.yaml:14:31: heartbeat.links[0].device: /dev/ttyS0 is the console (console=ttyS0) and the test channel; put the heartbeat cable on the second serial port, /dev/ttyS1',
    ],
    'heartbeat',
  ),
  c(
    'the supervisor and heartbeat both feeding a watchdog',
    [
      ['  authkeys:', '  watchdog: /dev/watchdog\n  authkeys:'],
      [END, 'admin:\n  watchdog: { timeout: 30 }\n'],
    ],
    [
      'pillars.yaml:20:3: admin.watchdog: heartbeat.watchdog (/dev/watchdog) already feeds a watchdog, and a watchdog device opens for one process only: keep one of the two (admin.watchdog also stops its feed while heartbeat is down)',
    ],
    'heartbeat',
  ),
  c(
    'watchdog timeout out of range, not a watchdog device',
    [[END, 'admin:\n  watchdog:\n    device: /dev/sda\n    timeout: 5\n']],
    [
      'pillars.yaml:26:13: admin.watchdog.device: must be a watchdog device such as /dev/watchdog or /dev/watchdog1, got "/dev/sda"',
      'pillars.yaml:27:14: admin.watchdog.timeout: must be 10-600, got 5',
    ],
  ),
  c(
    'ipfail without ping nodes',
    [['  deadtime: 30000\n', '  deadtime: 30000\n  ipfail: true\n']],
    [
      'pillars.yaml:13:11: heartbeat.ipfail: needs ping_nodes or ping_groups (ipfail compares which node reaches more of them)',
    ],
    'heartbeat',
  ),
  c(
    'authkeys rotation: active key missing',
    [
      [
        '{ method: sha1, key: secretkey }',
        '{ keys: [{ id: 1, key: secretkey }, { id: 2, key: newsecretkey }], active: 3 }',
      ],
    ],
    ['pillars.yaml:17:88: heartbeat.authkeys.active: no key with id 3 (ids: 1, 2)'],
    'heartbeat',
  ),
  c(
    'group with drbd but no drbd section',
    [
      [
        '  resources:\n    - a 10.0.0.10 apache2\n',
        '  groups:\n    - { name: web, node: a, drbd: true, filesystem: { mountpoint: /srv } }\n',
      ],
    ],
    ['pillars.yaml:16:35: heartbeat.groups[0].drbd: needs the drbd section (which resource to make primary)'],
    'heartbeat',
  ),
  c(
    'drbd backing disk not by stable name',
    [[END, 'drbd: { disk: /dev/sdb, interface: lan }\n']],
    [
      'pillars.yaml:18:15: drbd.disk: must be a stable device name under /dev/disk/by-id/ or /dev/disk/by-path/, got "/dev/sdb"',
    ],
    'heartbeat',
  ),
  c(
    'drbd section no group uses',
    [[END, 'drbd: { disk: /dev/disk/by-id/virtio-drbd0, interface: lan }\n']],
    ['pillars.yaml:18:1: drbd: no heartbeat group uses it (set drbd: true on the group that mounts it)'],
    'heartbeat',
  ),
  c(
    'fencing leaves a node unfenced',
    [
      [
        END,
        'fencing:\n  devices:\n    - { type: external/ipmi, address: 10.0.0.50, login: admin, password: secret, nodes: [a] }\n',
      ],
    ],
    ['pillars.yaml:20:5: fencing.devices: no device powers node b: its peer could not fence it'],
    'heartbeat',
  ),
  c(
    'sha1 key too short',
    [['key: secretkey', 'key: short']],
    ['pillars.yaml:17:34: heartbeat.authkeys.key: must be 8-128 bytes for sha1, got 5'],
    'heartbeat',
  ),
  c(
    'crc takes no key',
    [['method: sha1', 'method: crc']],
    ['pillars.yaml:17:33: heartbeat.authkeys.key: crc takes no key (use sha1 for a signed heartbeat)'],
    'heartbeat',
  ),
  c(
    'sha1 without key',
    [['{ method: sha1, key: secretkey }', '{ method: sha1 }']],
    ['pillars.yaml:17:13: heartbeat.authkeys.key: required for sha1'],
    'heartbeat',
  ),
  c(
    'haresources for an unknown node',
    [['- a 10.0.0.10 apache2', '- c 10.0.0.10 apache2']],
    ['pillars.yaml:16:7: heartbeat.resources[0]: unknown node "c" (the first word is the preferred node)'],
    'heartbeat',
  ),
  c(
    'haresources address outside its interface',
    [['- a 10.0.0.10 apache2', '- a IPaddr::192.168.9.9/24/lan apache2']],
    ['pillars.yaml:16:7: heartbeat.resources[0]: 192.168.9.9/24 is not in a subnet of interface lan on node a'],
    'heartbeat',
  ),
  c(
    'heartbeat link on an unknown interface',
    [['{ type: ucast, interface: lan }', '{ type: bcast, interface: hb }']],
    ['pillars.yaml:14:33: heartbeat.links[0].interface: unknown interface "hb" on node a'],
    'heartbeat',
  ),
  c(
    'unknown heartbeat link type',
    [['{ type: ucast, interface: lan }', '{ type: multicast, interface: lan }']],
    ['pillars.yaml:14:15: heartbeat.links[0].type: must be one of bcast, ucast, mcast, serial, got "multicast"'],
    'heartbeat',
  ),
  c(
    'serial link device',
    [['{ type: ucast, interface: lan }', '{ type: serial, device: ttyS0 }']],
    ['pillars.yaml:14:31: heartbeat.links[0].device: must be a serial device such as /dev/ttyS1, got "ttyS0"'],
    'heartbeat',
  ),
  // ---- hostile and broken files (every one a config error with a line, never a crash)
  c(
    'undefined YAML alias',
    [[WHOLE, 'version: 1\nnodes: *a\n']],
    ['pillars.yaml:2:8: YAML alias *a has no anchor &a before it'],
  ),
  c(
    'YAML alias bomb',
    [
      [
        WHOLE,
        'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n' +
          Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]\n`).join(
            '',
          ),
      ],
    ],
    ['pillars.yaml:2:10: YAML aliases expand too much (more than 100 expansions; write the values out)'],
  ),
  c(
    'flow nesting deeper than the limit',
    [[END, `x: ${'['.repeat(100)}${']'.repeat(100)}\n`]],
    ['pillars.yaml:24:67: nested deeper than 64 levels'],
  ),
  c(
    'block nesting deeper than the limit',
    [[END, Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n']],
    ['pillars.yaml:88:65: nested deeper than 64 levels'],
  ),
  c(
    'binary data',
    [[WHOLE, 'version: 1\n\u007fELF\u0002\u0001\u0001\u0000\n']],
    ['pillars.yaml:2:1: control character U+007F (a config is text; is this a binary file?)'],
  ),
  c(
    'a line that is not UTF-8',
    [['version: 1\n', 'version: 1\n# caf\uFFFD\n']],
    ['pillars.yaml:2:6: this line is not valid UTF-8 (save the file as UTF-8)'],
  ),
  c(
    'a file larger than the limit',
    [[END, `# ${'x'.repeat(4 * 1024 * 1024)}\n`]],
    ['pillars.yaml:1:1: the file is 4.0 MiB; a config is at most 4 MiB (is this the right file?)'],
  ),
  c(
    'a list instead of a map',
    [[WHOLE, '- version: 1\n- nodes: {}\n']],
    ['pillars.yaml:1:1: the file must be a map of sections (version, nodes, …), got a list'],
  ),
  c(
    'a long scalar is not echoed whole',
    [[WHOLE, 'x'.repeat(10000) + '\n']],
    [
      'pillars.yaml:1:1: the file must be a map of sections (version, nodes, …), got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"',
    ],
  ),
  c(
    'more than 50 issues are counted, not listed',
    [['      vrid: 51\n', '      vrid: 51\n' + Array.from({ length: 60 }, (_, i) => `      bad${i}: 1\n`).join('')]],
    [
      ...Array.from(
        { length: 50 },
        (_, i) => `pillars.yaml:${16 + i}:7: vrrp.instances[0].bad${i}: unknown key "bad${i}"`,
      ),
      'pillars.yaml:66:7: 10 more issues not shown (fix the ones above first)',
    ],
  ),
  // ---- built-in property names are names like any other
  c(
    '__proto__, constructor and toString as keys',
    [[END, '__proto__: {}\nconstructor: 1\ntoString: 2\nhasOwnProperty: 3\n']],
    [
      'pillars.yaml:24:1: __proto__: unknown key "__proto__"',
      'pillars.yaml:25:1: constructor: unknown key "constructor"',
      'pillars.yaml:26:1: toString: unknown key "toString"',
      'pillars.yaml:27:1: hasOwnProperty: unknown key "hasOwnProperty"',
    ],
  ),
  c(
    'constructor as a node in a priority map',
    [['priority: { a: 150, b: 100 }', 'priority: { a: 150, b: 100, constructor: 5 }']],
    ['pillars.yaml:16:35: vrrp.instances[0].priority.constructor: unknown node "constructor"'],
  ),
  c(
    'toString as a check type',
    [['        - address: 10.0.0.11\n', '        - address: 10.0.0.11\n          check: { type: toString }\n']],
    [
      'pillars.yaml:24:26: director.virtual_servers[0].real_servers[0].check.type: must be one of HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, DNS_CHECK, got "toString"',
    ],
  ),
  c(
    'hasOwnProperty as a track script',
    [['      vrid: 51\n', '      vrid: 51\n      track_scripts: [hasOwnProperty]\n']],
    [
      'pillars.yaml:16:23: vrrp.instances[0].track_scripts[0]: unknown script "hasOwnProperty" (define it under vrrp.scripts)',
    ],
  ),
  c(
    'constructor as a route interface',
    [[END, 'routes: [{ to: 198.51.100.0/24, interface: constructor }]\n']],
    [
      'pillars.yaml:24:44: routes[0].interface: unknown interface "constructor" on node a',
      'pillars.yaml:24:44: routes[0].interface: unknown interface "constructor" on node b',
    ],
  ),
  // ---- free text: no line breaks, control characters or file syntax
  c(
    'newline in a vrrp_script command',
    [
      ['      vrid: 51\n', '      vrid: 51\n      track_scripts: [chk]\n'],
      ['vrrp:\n', 'vrrp:\n  scripts:\n    chk: { script: "/bin/true\\n}\\nglobal_defs {" }\n'],
    ],
    [
      'pillars.yaml:13:20: vrrp.scripts.chk.script: must not contain control characters or line breaks, got U+000A (a line break) at character 10',
    ],
  ),
  c(
    '$() in a MISC_CHECK command',
    [
      [
        '        - address: 10.0.0.11\n',
        '        - address: 10.0.0.11\n          check: { type: MISC_CHECK, script: "/bin/check $(reboot)" }\n',
      ],
    ],
    [
      'pillars.yaml:24:46: director.virtual_servers[0].real_servers[0].check.script: must be a command line: an absolute program path and arguments, without backslashes, braces, $, backticks, both kinds of quote or an unpaired quote, got "/bin/check $(reboot)"',
    ],
  ),
  c(
    'a command that is not an absolute path',
    [
      [
        '        - address: 10.0.0.11\n',
        '        - address: 10.0.0.11\n          check: { type: MISC_CHECK, script: "check-web" }\n',
      ],
    ],
    [
      'pillars.yaml:24:46: director.virtual_servers[0].real_servers[0].check.script: must be a command line: an absolute program path and arguments, without backslashes, braces, $, backticks, both kinds of quote or an unpaired quote, got "check-web"',
    ],
  ),
  c(
    'braces in a health-check path',
    [
      [
        '        - address: 10.0.0.11\n',
        '        - address: 10.0.0.11\n          check: { type: HTTP_GET, urls: [{ path: "/x } virtual_server 1.2.3.4 80 {", status_code: 200 }] }\n',
      ],
    ],
    [
      'pillars.yaml:24:51: director.virtual_servers[0].real_servers[0].check.urls[0].path: must be a URL path starting with / (RFC 3986 characters; no spaces, quotes, $ or backslashes), got "/x } virtual_server 1.2.3.4 80 {"',
    ],
  ),
  c(
    'a DNS_CHECK name with a space',
    [
      [
        '        - address: 10.0.0.11\n',
        '        - address: 10.0.0.11\n          check: { type: DNS_CHECK, name: "example.org }" }\n',
      ],
    ],
    [
      'pillars.yaml:24:43: director.virtual_servers[0].real_servers[0].check.name: must be a DNS name (labels of 2-63 letters, digits and -, not starting or ending with -, no trailing "."), or "." for the root, got "example.org }"',
    ],
  ),
  c(
    'a DNS_CHECK name with a trailing dot (keepalived drops it as an empty label)',
    [
      [
        '        - address: 10.0.0.11\n',
        '        - address: 10.0.0.11\n          check: { type: DNS_CHECK, name: "_.0Z." }\n',
      ],
    ],
    [
      'pillars.yaml:24:43: director.virtual_servers[0].real_servers[0].check.name: must be a DNS name (labels of 2-63 letters, digits and -, not starting or ending with -, no trailing "."), or "." for the root, got "_.0Z."',
    ],
  ),
  c(
    'VRRP password of 8 characters but 10 bytes',
    [['vrid: 51', 'vrid: 51\n      version: 2\n      auth: { pass: "pässwör1" }']],
    ['pillars.yaml:17:21: vrrp.instances[0].auth.pass: must be at most 8 bytes (UTF-8), got 10'],
  ),
  c(
    'VRRP password with a space',
    [['vrid: 51', 'vrid: 51\n      version: 2\n      auth: { pass: "a b" }']],
    [
      'pillars.yaml:17:21: vrrp.instances[0].auth.pass: must be one word (no spaces, quotes, #, backslashes, braces or $), got 3 characters',
    ],
  ),
  c(
    'tab in an e-mail address',
    [[END, 'alerts: { smtp_server: 192.0.2.25, from: "lvs\\t@example.com", to: [ops@example.com] }\n']],
    [
      'pillars.yaml:24:42: alerts.from: must not contain control characters or line breaks, got U+0009 (a tab) at character 4',
    ],
  ),
  c(
    'interface description with a line separator',
    [[END, 'interfaces: { wan: { description: "uplink\\u2028x" } }\n']],
    [
      'pillars.yaml:24:35: interfaces.wan.description: must not contain control characters or line breaks, got U+2028 (a line break) at character 7',
    ],
  ),
  c(
    'firewall comment with a double quote',
    [
      [
        END,
        'firewall: { zones: { w: { interfaces: [wan] } }, rules: [{ from: w, to: self, comment: \'say "hi"\' }] }\n',
      ],
    ],
    [
      'pillars.yaml:24:88: firewall.rules[0].comment: must be one line of text without double quotes or backslashes, got "say \\"hi\\""',
    ],
  ),
  c(
    'smtp_server port out of range',
    [[END, 'alerts: { smtp_server: "mail.example.com:70000", from: lvs@example.com, to: [ops@example.com] }\n']],
    [
      'pillars.yaml:24:24: alerts.smtp_server: must be a host or host:port (port 1-65535), got "mail.example.com:70000"',
    ],
  ),
  c(
    'firewall port range reversed',
    [
      [
        END,
        'firewall: { zones: { w: { interfaces: [wan] } }, rules: [{ from: w, to: self, protocol: tcp, ports: ["2000-1000", "1-70000"] }] }\n',
      ],
    ],
    [
      'pillars.yaml:24:102: firewall.rules[0].ports[0]: must be a port 1-65535 or a range "a-b" of ports with a < b, got "2000-1000"',
      'pillars.yaml:24:115: firewall.rules[0].ports[1]: must be a port 1-65535 or a range "a-b" of ports with a < b, got "1-70000"',
    ],
  ),
  // ---- addresses an experienced admin would catch
  c(
    'route with host bits set',
    [[END, 'routes: [{ to: 198.51.100.7/24, via: 192.0.2.1 }]\n']],
    ['pillars.yaml:24:16: routes[0].to: 198.51.100.7/24 has host bits set (the network is 198.51.100.0/24)'],
  ),
  c(
    'VIP is the network address',
    [
      ['vips: [192.0.2.10/24]', 'vips: [192.0.2.0/24]'],
      ['vip: 192.0.2.10', 'vip: 192.0.2.0'],
    ],
    [
      'pillars.yaml:17:14: vrrp.instances[0].vips[0]: 192.0.2.0/24 is the network address of 192.0.2.0/24 on wan, not a host address',
    ],
  ),
  c(
    'VIP is the broadcast address',
    [
      ['vips: [192.0.2.10/24]', 'vips: [192.0.2.255]'],
      ['vip: 192.0.2.10', 'vip: 192.0.2.255'],
    ],
    [
      'pillars.yaml:17:14: vrrp.instances[0].vips[0]: 192.0.2.255 is the broadcast address of 192.0.2.0/24 on wan, not a host address',
    ],
  ),
  c(
    'real server is the VIP itself',
    [['        - address: 10.0.0.11\n', '        - address: 192.0.2.10\n']],
    [
      'pillars.yaml:23:20: director.virtual_servers[0].real_servers[0].address: 192.0.2.10 is the virtual address itself (a real server is another host)',
    ],
  ),
  c(
    'real server is a director address',
    [['        - address: 10.0.0.11\n', '        - address: 10.0.0.3\n']],
    [
      'pillars.yaml:23:20: director.virtual_servers[0].real_servers[0].address: 10.0.0.3 is an address of the director itself (b.lan); a real server is another host',
    ],
  ),
  c(
    'include as an interface name (a keepalived include directive on its own line)',
    [['vrid: 51', 'vrid: 51\n      track_interfaces: [include]']],
    [
      'pillars.yaml:16:26: vrrp.instances[0].track_interfaces[0]: must be an interface name of lowercase letters, digits, - and _ starting with a letter (at most 15; not "include"), got "include"',
    ],
  ),
  c(
    'track_interfaces names the instance interface',
    [['      vrid: 51\n', '      vrid: 51\n      track_interfaces: [wan, lan]\n']],
    [
      "pillars.yaml:16:26: vrrp.instances[0].track_interfaces[0]: wan is the instance's own interface, which it tracks already (keepalived refuses it here)",
    ],
  ),
];
export { END, WHOLE };

/** The case's text: its edits applied to its base config. */
export function applyEdits(text: string, edits: [string, string][]): string {
  let out = text;
  for (const [from, to] of edits) {
    if (from === END) out += to;
    else if (from === WHOLE) out = to;
    else {
      if (!out.includes(from)) throw new Error(`edit target not found: ${JSON.stringify(from)}`);
      out = out.replace(from, to);
    }
  }
  return out;
}
