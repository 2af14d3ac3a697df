/**
 * The declaration table of pillars.yaml: every key once, with its type, default, range and doc.
 * Types, validator, JSON Schema and docs/config-reference.md are derived from `pillarsConfig`.
 * Cross-field rules (subnets, uniqueness, references) live in rules.ts.
 */
import { bool, describe, int, list, map, obj, oneOf, scalar, str, variant, type Infer } from './decl.js';

export const PROFILES = ['director', 'firewall', 'router', 'heartbeat', 'realserver'] as const;
export type ProfileName = (typeof PROFILES)[number];
export const DEFAULT_PROFILE: ProfileName = 'director';

/** ipvsadm's scheduler names. */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh'] as const;
/** ipvsadm's forwarding methods: -m masquerading, -g gatewaying (direct routing), -i ipip tunnelling. */
export const FORWARDING = ['nat', 'dr', 'tun'] as const;

const NAME = /^[a-z][a-z0-9_-]{0,30}$/;
const NAME_TEXT = 'a name of lowercase letters, digits, - and _ starting with a letter (at most 31)';
// Interface and instance names stand alone on lines of keepalived.conf (track_interface,
// track_script, sync group members), where keepalived reads a line starting with "include" as an
// include directive, whatever the quoting.
const IFNAME = /^(?!include$)[a-z][a-z0-9_-]{0,14}$/;
const IFNAME_TEXT = 'an interface name of lowercase letters, digits, - and _ starting with a letter (at most 15; not "include")';
const INSTANCE = /^(?!include$)[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const INSTANCE_TEXT = 'a name of letters, digits, - and _ starting with a letter (at most 32; not "include")';

const nodeName = (doc: string) => str({ doc, required: true, pattern: NAME, patternText: NAME_TEXT });
const ifRef = (doc: string) => str({ doc, required: true, pattern: IFNAME, patternText: IFNAME_TEXT });
const perNode = (doc: string, min: number, max: number) =>
  map({ doc, required: true, keyName: '<node>', keyPattern: NAME, keyText: NAME_TEXT, minEntries: 1, value: int({ doc: 'Value for this node.', min, max }) });
const vips = (doc: string) => list({ doc, required: true, minItems: 1, item: str({ doc: 'A virtual address.', format: 'ipOrCidr' }) });

// ---------------------------------------------------------------- nodes and interfaces
const nodeInterface = obj({
  doc: 'One NIC (or VLAN) of this node, by logical name.',
  fields: {
    mac: str({ doc: 'The NIC MAC address; the node is recognised at boot by its MAC addresses. Not set on VLAN interfaces.', format: 'mac' }),
    addresses: list({ doc: 'Addresses of this node on the interface, in CIDR notation (10.0.0.2/24).', default: [], item: str({ doc: 'An address with prefix length.', format: 'cidr' }) }),
  },
});

const route = obj({
  doc: 'A static route.',
  fields: {
    to: str({ doc: 'Destination in CIDR notation, or "default".', required: true, pattern: /^(default|[0-9A-Fa-f.:]+\/\d{1,3})$/, patternText: '"default" or a destination with prefix length (e.g. 198.51.100.0/24)', check: (s: string) => (s === 'default' || /\//.test(s) ? undefined : 'must be "default" or a destination with prefix length, got ' + JSON.stringify(s)) }),
    via: str({ doc: 'Gateway address.', format: 'ip' }),
    interface: str({ doc: 'Logical interface (when not implied by the gateway).', pattern: IFNAME, patternText: IFNAME_TEXT }),
    metric: int({ doc: 'Route metric.', min: 0, max: 4294967295 }),
  },
});

const sysctl = map({
  doc: 'Kernel parameters (sysctl name → value).',
  keyName: '<name>',
  keyPattern: /^[a-z0-9_]+(\.[a-zA-Z0-9_*-]+)+$/,
  keyText: 'a sysctl name such as net.ipv4.ip_forward',
  value: scalar({ doc: 'The value written to /proc/sys.' }),
});

const node = obj({
  doc: 'One box of the pair.',
  fields: {
    hostname: str({ doc: 'Host name (uname -n, as heartbeat knows the node). Defaults to the node name.', format: 'hostname' }),
    interfaces: map({
      doc: 'This node\'s NICs by logical name (the same logical names on both nodes).',
      required: true,
      minEntries: 1,
      keyName: '<interface>',
      keyPattern: IFNAME,
      keyText: IFNAME_TEXT,
      value: nodeInterface,
    }),
    routes: list({ doc: 'Routes of this node only (added to the shared routes).', default: [], item: route }),
    sysctl: { ...sysctl, doc: 'Kernel parameters of this node only (override the shared ones).' },
  },
});

const sharedInterface = obj({
  doc: 'Settings of a logical interface shared by both nodes.',
  fields: {
    mtu: int({ doc: 'MTU.', default: 1500, min: 576, max: 9216 }),
    vlan: obj({
      doc: 'Makes this logical interface an 802.1Q VLAN on another interface.',
      fields: {
        parent: ifRef('The logical interface carrying the VLAN.'),
        id: int({ doc: 'VLAN id.', required: true, min: 1, max: 4094 }),
      },
    }),
    description: str({ doc: 'Free text for the admin (one line, at most 200 bytes).', format: 'text', maxBytes: 200 }),
  },
});

// ---------------------------------------------------------------- firewall
const zoneRef = str({ doc: 'A zone name, or "self" for the appliance itself.', required: true, pattern: NAME, patternText: NAME_TEXT });
const ports = list({
  doc: 'Ports or ranges ("1000-2000").',
  default: [],
  item: scalar({
    doc: 'A port or a range.',
    check: (v: string | number | boolean) => {
      const port = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
      const range = typeof v === 'string' ? /^(\d{1,5})-(\d{1,5})$/.exec(v) : null;
      if (typeof v === 'number' ? port(v) : range && port(Number(range[1])) && port(Number(range[2])) && Number(range[1]) < Number(range[2])) return undefined;
      return `must be a port 1-65535 or a range "a-b" of ports with a < b, got ${describe(v)}`;
    },
  }),
});
const firewall = obj({
  doc: 'nftables packet filter (firewall role). Fail-closed: anything not allowed is dropped.',
  fields: {
    input_policy: oneOf({ doc: 'Policy for traffic to the appliance.', values: ['drop', 'accept'], default: 'drop' }),
    forward_policy: oneOf({ doc: 'Policy for traffic through the appliance.', values: ['drop', 'accept'], default: 'drop' }),
    anti_spoofing: bool({ doc: 'Reverse-path filter on every zone interface.', default: true }),
    zones: map({
      doc: 'Zones by name.',
      default: {},
      keyName: '<zone>',
      keyPattern: NAME,
      keyText: NAME_TEXT,
      value: obj({ doc: 'A zone.', fields: { interfaces: list({ doc: 'Logical interfaces in this zone.', required: true, minItems: 1, item: str({ doc: 'Interface.', pattern: IFNAME, patternText: IFNAME_TEXT }) }) } }),
    }),
    rules: list({
      doc: 'Allow/deny rules, first match wins.',
      default: [],
      item: obj({
        doc: 'A rule.',
        fields: {
          from: zoneRef,
          to: zoneRef,
          protocol: oneOf({ doc: 'Protocol.', values: ['tcp', 'udp', 'icmp', 'icmpv6', 'vrrp', 'any'], default: 'any' }),
          ports,
          sources: list({ doc: 'Source networks (CIDR); any when empty.', default: [], item: str({ doc: 'Network.', format: 'ipOrCidr' }) }),
          action: oneOf({ doc: 'What to do.', values: ['accept', 'drop', 'reject'], default: 'accept' }),
          rate_limit: str({ doc: 'nftables rate, e.g. "10/second".', pattern: /^\d+\/(second|minute|hour)$/, patternText: 'a rate like 10/second' }),
          comment: str({ doc: 'Shown in the ruleset (nftables comment: one line, at most 128 bytes).', format: 'text', maxBytes: 128 }),
        },
      }),
    }),
    masquerade: list({
      doc: 'Source NAT to the outgoing interface address.',
      default: [],
      item: obj({ doc: 'A masquerade rule.', fields: { out: ifRef('Outgoing interface.'), sources: list({ doc: 'Source networks.', default: [], item: str({ doc: 'Network.', format: 'ipOrCidr' }) }) } }),
    }),
    port_forwards: list({
      doc: 'Destination NAT.',
      default: [],
      item: obj({
        doc: 'A port forward.',
        fields: {
          in: ifRef('Incoming interface.'),
          protocol: oneOf({ doc: 'Protocol.', values: ['tcp', 'udp'], default: 'tcp' }),
          port: int({ doc: 'Port on the appliance.', required: true, min: 1, max: 65535 }),
          to: str({ doc: 'Destination host:port.', required: true, format: 'hostPort' }),
        },
      }),
    }),
  },
});

// ---------------------------------------------------------------- statesync (conntrackd)
const statesync = obj({
  doc: 'conntrackd connection-state replication, so established connections survive a failover.',
  fields: {
    interface: ifRef('Dedicated sync interface (a crossover cable is best).'),
    mode: oneOf({ doc: 'conntrackd sync mode.', values: ['ftfw', 'notrack', 'alarm'], default: 'ftfw' }),
    transport: oneOf({ doc: 'Multicast, or UDP to the other node\'s address on the interface.', values: ['multicast', 'udp'], default: 'multicast' }),
    multicast_group: str({ doc: 'Multicast group (multicast transport).', format: 'ipv4', default: '225.0.0.50' }),
    port: int({ doc: 'UDP port (udp transport).', min: 1, max: 65535, default: 3780 }),
    ipvs_sync: bool({ doc: 'Also run the IPVS connection sync daemon on this interface.', default: true }),
  },
});

// ---------------------------------------------------------------- vrrp (keepalived)
const vrrpInstance = obj({
  doc: 'A keepalived vrrp_instance.',
  fields: {
    name: str({ doc: 'Instance name (vrrp_instance NAME).', required: true, pattern: INSTANCE, patternText: INSTANCE_TEXT }),
    interface: ifRef('Logical interface the adverts go out on.'),
    vrid: int({ doc: 'virtual_router_id.', required: true, min: 1, max: 255 }),
    version: oneOf({ doc: 'VRRP protocol version (vrrp_version).', values: [2, 3], default: 3 }),
    priority: perNode('Priority per node; the highest becomes MASTER. Must differ between nodes.', 1, 254),
    advert_int: int({ doc: 'Advert interval in milliseconds (VRRPv3: steps of 10 ms; VRRPv2: whole seconds). keepalived writes seconds (advert_int 1); pillars writes milliseconds. The default of 100 ms (1000 ms with version: 2) fails over in about a third of a second.', unit: 'ms', default: 100, min: 10, max: 255000, multipleOf: 10 }),
    vips: vips('virtual_ipaddress entries (address or address/prefix; a bare address takes the interface prefix).'),
    nopreempt: bool({ doc: 'Do not take MASTER back from a lower-priority node.', default: false }),
    preempt_delay: int({ doc: 'Seconds to wait before preempting after boot.', unit: 's', default: 0, min: 0, max: 1000 }),
    unicast_peers: list({ doc: 'Send adverts by unicast to these addresses instead of multicast.', default: [], item: str({ doc: 'Peer address.', format: 'ip' }) }),
    track_interfaces: list({ doc: 'Go to FAULT when one of these logical interfaces is down.', default: [], item: str({ doc: 'Interface.', pattern: IFNAME, patternText: IFNAME_TEXT }) }),
    track_scripts: list({ doc: 'Names of vrrp.scripts whose result adjusts the priority.', default: [], item: str({ doc: 'Script name.', pattern: INSTANCE, patternText: INSTANCE_TEXT }) }),
    garp: obj({
      doc: 'Gratuitous ARP after becoming MASTER.',
      default: {},
      fields: {
        master_delay: int({ doc: 'garp_master_delay: seconds before the second burst.', unit: 's', default: 5, min: 0, max: 255 }),
        master_repeat: int({ doc: 'garp_master_repeat: messages per burst.', default: 5, min: 1, max: 255 }),
        master_refresh: int({ doc: 'garp_master_refresh: seconds between refreshes while MASTER (0: never).', unit: 's', default: 0, min: 0, max: 86400 }),
      },
    }),
    auth: obj({
      doc: 'authentication block (VRRPv2 only; RFC 3768).',
      fields: {
        type: oneOf({ doc: 'auth_type.', values: ['PASS', 'AH'], default: 'PASS' }),
        pass: str({ doc: 'auth_pass: one word of at most 8 bytes (VRRPv2 carries 8 bytes; keepalived cuts a longer one).', required: true, secret: true, format: 'token', minBytes: 1, maxBytes: 8 }),
      },
    }),
  },
});

const vrrp = obj({
  doc: 'VRRP failover of virtual addresses (keepalived).',
  fields: {
    instances: list({ doc: 'vrrp_instance blocks.', required: true, minItems: 1, item: vrrpInstance }),
    sync_groups: list({
      doc: 'vrrp_sync_group: instances that change state together.',
      default: [],
      item: obj({
        doc: 'A sync group.',
        fields: {
          name: str({ doc: 'Group name.', required: true, pattern: INSTANCE, patternText: INSTANCE_TEXT }),
          instances: list({ doc: 'Instance names.', required: true, minItems: 2, item: str({ doc: 'Instance.', pattern: INSTANCE, patternText: INSTANCE_TEXT }) }),
        },
      }),
    }),
    scripts: map({
      doc: 'vrrp_script blocks by name, referenced from track_scripts.',
      default: {},
      keyName: '<script>',
      keyPattern: INSTANCE,
      keyText: INSTANCE_TEXT,
      value: obj({
        doc: 'A tracking script.',
        fields: {
          script: str({ doc: 'Command to run (exit 0 = good); keepalived runs it without a shell.', required: true, format: 'command', maxBytes: 512 }),
          interval: int({ doc: 'Seconds between runs.', unit: 's', default: 2, min: 1, max: 3600 }),
          timeout: int({ doc: 'Seconds before a run counts as failed.', unit: 's', default: 2, min: 1, max: 3600 }),
          weight: int({ doc: 'Priority change while failing (negative) or succeeding (positive); 0 = FAULT on failure.', default: 0, min: -253, max: 253 }),
          fall: int({ doc: 'Failures before KO.', default: 2, min: 1, max: 255 }),
          rise: int({ doc: 'Successes before OK.', default: 2, min: 1, max: 255 }),
        },
      }),
    }),
  },
});

// ---------------------------------------------------------------- carp (ucarp)
const carp = obj({
  doc: 'CARP failover of virtual addresses (ucarp).',
  fields: {
    instances: list({
      doc: 'One ucarp per virtual host id.',
      required: true,
      minItems: 1,
      item: obj({
        doc: 'A ucarp instance.',
        fields: {
          interface: ifRef('Logical interface.'),
          vhid: int({ doc: 'Virtual host id (--vhid).', required: true, min: 1, max: 255 }),
          advbase: int({ doc: 'Advert base interval in whole seconds (--advbase).', unit: 's', default: 1, min: 1, max: 255 }),
          advskew: perNode('Advert skew per node (--advskew); the lowest becomes MASTER. Must differ between nodes.', 0, 254),
          dead_ratio: int({ doc: 'Adverts a backup misses before it takes over (--deadratio). ucarp\'s default is 3; 2 fails over one advbase sooner. At least 2, so one late advert never flaps the pair.', default: 3, min: 2, max: 20 }),
          password: str({ doc: 'Shared password (--passfile), one line of at most 255 bytes.', required: true, secret: true, minBytes: 1, maxBytes: 255, pattern: /^\S(.*\S)?$/, patternText: 'text without leading or trailing spaces' }),
          vips: vips('Virtual addresses (ucarp handles one; extra ones are added by its up script).'),
          preempt: bool({ doc: 'Take MASTER back when this node has the lowest skew (--preempt).', default: true }),
        },
      }),
    }),
  },
});

// ---------------------------------------------------------------- director (keepalived virtual_server / IPVS)
const checkCommon = {
  connect_timeout: int({ doc: 'Seconds before a connection attempt fails.', unit: 's', default: 5, min: 1, max: 3600 }),
  retry: int({ doc: 'Failed attempts before the real server is taken out (keepalived retry).', default: 1, min: 1, max: 100 }),
  delay_before_retry: int({ doc: 'Seconds between attempts.', unit: 's', default: 1, min: 0, max: 3600 }),
  connect_port: int({ doc: 'Port to check (defaults to the real server port).', min: 1, max: 65535 }),
};
const url = obj({
  doc: 'A url block.',
  fields: {
    path: str({ doc: 'Path requested.', required: true, format: 'urlPath', maxBytes: 512 }),
    digest: str({ doc: 'MD5 of the response body (genhash output).', pattern: /^[0-9a-f]{32}$/, patternText: '32 lowercase hex digits (an MD5 digest)' }),
    status_code: int({ doc: 'Expected HTTP status.', min: 100, max: 599 }),
  },
});
const httpCheck = (doc: string) =>
  obj({
    doc,
    fields: {
      ...checkCommon,
      urls: list({ doc: 'url blocks; each needs a digest or a status_code.', required: true, minItems: 1, item: url }),
      virtualhost: str({ doc: 'Host header to send.', format: 'host' }),
    },
  });
const check = variant({
  doc: 'Health check of a real server (keepalived checker).',
  tag: 'type',
  variants: {
    HTTP_GET: httpCheck('HTTP request; the server is up when a url matches its digest or status.'),
    SSL_GET: httpCheck('HTTPS request, same as HTTP_GET.'),
    TCP_CHECK: obj({ doc: 'TCP connect.', fields: checkCommon }),
    MISC_CHECK: obj({
      doc: 'External script (misc_path); exit 0 = up.',
      fields: {
        script: str({ doc: 'misc_path: command line; keepalived runs it without a shell.', required: true, format: 'command', maxBytes: 512 }),
        timeout: int({ doc: 'misc_timeout in seconds.', unit: 's', default: 5, min: 1, max: 3600 }),
        dynamic: bool({ doc: 'misc_dynamic: exit code 2-255 sets the weight to code-2.', default: false }),
      },
    }),
    DNS_CHECK: obj({
      doc: 'DNS query.',
      fields: {
        ...checkCommon,
        name: str({ doc: 'Name queried.', default: '.', format: 'dnsName' }),
        query_type: oneOf({ doc: 'Query type.', values: ['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'PTR', 'CNAME'], default: 'SOA' }),
      },
    }),
  },
});

const realServer = obj({
  doc: 'A real_server.',
  fields: {
    address: str({ doc: 'Real server address.', required: true, format: 'ip' }),
    port: int({ doc: 'Port (defaults to the virtual server port; must equal it for dr and tun).', min: 1, max: 65535 }),
    weight: int({ doc: 'Weight (wrr, wlc…); 0 takes the server out of rotation.', default: 1, min: 0, max: 65535 }),
    forwarding: oneOf({ doc: 'Override of the virtual server forwarding method.', values: FORWARDING }),
    check: { ...check, doc: 'Health check (defaults to the virtual server check).' },
  },
});

const virtualServer = obj({
  doc: 'A virtual_server: vip + port + protocol, or a firewall mark.',
  fields: {
    name: str({ doc: 'Label for status output.', pattern: INSTANCE, patternText: INSTANCE_TEXT }),
    vip: str({ doc: 'Virtual address (held by vrrp, carp or heartbeat). Not with fwmark.', format: 'ip' }),
    port: int({ doc: 'Virtual port (0: all ports, needs persistence).', min: 0, max: 65535 }),
    protocol: oneOf({ doc: 'Protocol.', values: ['tcp', 'udp'], default: 'tcp' }),
    fwmark: int({ doc: 'Firewall mark instead of vip:port (ipvsadm -f).', min: 1, max: 4294967295 }),
    scheduler: oneOf({ doc: 'lb_algo: ipvsadm scheduler.', values: SCHEDULERS, default: 'wlc' }),
    forwarding: oneOf({ doc: 'lb_kind: nat (-m), dr (-g) or tun (-i).', values: FORWARDING, default: 'nat' }),
    persistence: obj({
      doc: 'Persistent connections (ipvsadm -p / -M).',
      fields: {
        timeout: int({ doc: 'persistence_timeout in seconds.', unit: 's', required: true, min: 1, max: 2678400 }),
        netmask: str({ doc: 'persistence granularity.', format: 'netmask', default: '255.255.255.255' }),
      },
    }),
    delay_loop: int({ doc: 'Seconds between health-check rounds.', unit: 's', default: 6, min: 1, max: 3600 }),
    quorum: int({ doc: 'Minimum total weight of live real servers for the service to be up.', default: 1, min: 1, max: 65535 }),
    hysteresis: int({ doc: 'Weight margin around quorum before changing state.', default: 0, min: 0, max: 65535 }),
    alpha: bool({ doc: 'Start with every real server down until its check succeeds.', default: false }),
    omega: bool({ doc: 'Run the quorum-down action on shutdown too.', default: false }),
    inhibit_on_failure: bool({ doc: 'Set weight 0 on failure instead of removing the server.', default: false }),
    sorry_server: str({ doc: 'host:port used when every real server is down.', format: 'hostPort' }),
    check: { ...check, doc: 'Default health check for the real servers.' },
    real_servers: list({ doc: 'real_server entries.', required: true, minItems: 1, item: realServer }),
  },
});

const director = obj({
  doc: 'LVS director: IPVS virtual servers with keepalived health checks.',
  fields: {
    virtual_servers: list({ doc: 'virtual_server blocks.', required: true, minItems: 1, item: virtualServer }),
  },
});

// ---------------------------------------------------------------- realserver
const realserver = obj({
  doc: 'LVS real server for dr/tun pools: the VIPs on lo (dr) or tunl0 (tun) with ARP suppression.',
  fields: {
    forwarding: oneOf({ doc: 'How the director reaches this server.', values: ['dr', 'tun'], default: 'dr' }),
    vips: list({ doc: 'Virtual addresses served.', required: true, minItems: 1, item: str({ doc: 'A VIP.', format: 'ip' }) }),
  },
});

// ---------------------------------------------------------------- heartbeat (Linux-HA)
const hbLink = variant({
  doc: 'A heartbeat link (ha.cf bcast / mcast / ucast / serial).',
  tag: 'type',
  variants: {
    bcast: obj({ doc: 'Broadcast on an interface.', fields: { interface: ifRef('Logical interface.') } }),
    ucast: obj({ doc: 'Unicast to the other node\'s address on the interface.', fields: { interface: ifRef('Logical interface.') } }),
    mcast: obj({
      doc: 'Multicast.',
      fields: {
        interface: ifRef('Logical interface.'),
        group: str({ doc: 'Multicast group.', format: 'ipv4', default: '225.0.0.1' }),
        ttl: int({ doc: 'TTL.', default: 1, min: 1, max: 255 }),
      },
    }),
    serial: obj({
      doc: 'Null-modem cable between the boxes.',
      fields: {
        device: str({ doc: 'Serial device.', default: '/dev/ttyS1', pattern: /^\/dev\/tty[A-Za-z0-9]+$/, patternText: 'a serial device such as /dev/ttyS1' }),
        baud: oneOf({ doc: 'Speed.', values: [9600, 19200, 38400, 57600, 115200], default: 19200 }),
      },
    }),
  },
});
const heartbeat = obj({
  doc: 'Linux-HA heartbeat cluster (ha.cf, haresources, authkeys).',
  fields: {
    keepalive: int({ doc: 'Seconds between heartbeats.', unit: 's', default: 2, min: 1, max: 3600 }),
    deadtime: int({ doc: 'Seconds of silence before the peer is declared dead.', unit: 's', default: 30, min: 1, max: 3600 }),
    warntime: int({ doc: 'Seconds of silence before a late-heartbeat warning.', unit: 's', default: 10, min: 1, max: 3600 }),
    initdead: int({ doc: 'deadtime used at boot (network may be slow to come up).', unit: 's', default: 120, min: 1, max: 3600 }),
    udpport: int({ doc: 'UDP port for bcast/ucast.', default: 694, min: 1, max: 65535 }),
    links: list({ doc: 'Heartbeat media; use at least two (e.g. ucast + serial).', required: true, minItems: 1, item: hbLink }),
    auto_failback: bool({ doc: 'Move resources back to their preferred node when it returns.', default: true }),
    ping_nodes: list({ doc: 'ping nodes (ipfail): addresses whose reachability decides which node is healthier.', default: [], item: str({ doc: 'Address.', format: 'ip' }) }),
    resources: list({
      doc: 'haresources lines: "<node> <resource> <resource>…"; a bare address or IPaddr::addr/prefix/interface takes over an address.',
      required: true,
      minItems: 1,
      item: str({ doc: 'An haresources line.', pattern: /^[^\s#"'\\{}$]+( +[^\s#"'\\{}$]+)+$/, patternText: 'a node followed by resources, separated by spaces (no #, quotes, backslashes, braces or $)', maxBytes: 1024 }),
    }),
    authkeys: obj({
      doc: 'authkeys: how heartbeat packets are signed.',
      required: true,
      fields: {
        method: oneOf({ doc: 'Signature method.', values: ['sha1', 'md5', 'crc'], default: 'sha1' }),
        key: str({ doc: 'Shared key (sha1/md5: 8-128 bytes, the rest of the authkeys line; crc takes none).', secret: true, pattern: /^[^\s#]([^#]*[^\s#])?$/, patternText: 'text without # and without leading or trailing spaces' }),
      },
    }),
  },
});

// ---------------------------------------------------------------- alerts, admin
const alerts = obj({
  doc: 'Mail on state changes (keepalived notification_email, heartbeat MailTo).',
  fields: {
    smtp_server: str({ doc: 'SMTP relay, host or host:port.', required: true, check: (s: string) => {
        const m = /^(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(s);
        return m && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535)) ? undefined : `must be a host or host:port (port 1-65535), got ${describe(s)}`;
      } }),
    from: str({ doc: 'Sender address.', required: true, format: 'email' }),
    to: list({ doc: 'Recipients.', required: true, minItems: 1, item: str({ doc: 'Recipient.', format: 'email' }) }),
  },
});

const admin = obj({
  doc: 'Administration access. There is no default password: without console_password_hash the console login is locked.',
  default: {},
  fields: {
    status_page: obj({
      doc: 'Read-only status page.',
      fields: { listen: str({ doc: 'Address:port to listen on.', required: true, format: 'hostPort' }) },
    }),
    ssh_authorized_keys: list({
      doc: 'SSH public keys allowed to log in as root (ssh is off when empty).',
      default: [],
      item: str({ doc: 'An authorized_keys line.', pattern: /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/, patternText: 'an OpenSSH public key line (ssh-ed25519 AAAA… comment)' }),
    }),
    ssh_listen: list({
      doc: 'Where SSH (dropbear) listens, as address:port; needed with ssh_authorized_keys, since SSH never listens everywhere by default. Each node binds the entries that are its own addresses (0.0.0.0:port or [::]:port only when written out).',
      default: [],
      item: str({ doc: 'An address:port to listen on.', format: 'hostPort' }),
    }),
    console_password_hash: str({
      doc: 'crypt(3) hash of the root console password (mkpasswd -m yescrypt or sha-512).',
      secret: true,
      pattern: /^\$(y|6|5|2[aby]|gy)\$\S+$/,
      patternText: 'a crypt hash ($y$…, $6$… or $5$…), never a plain password',
    }),
  },
});

// ---------------------------------------------------------------- the file
export const pillarsConfig = obj({
  doc: 'pillars.yaml: the whole configuration of an appliance pair.',
  fields: {
    version: oneOf({ doc: 'Config format version.', values: [1], required: true }),
    profile: oneOf({ doc: 'Which image profile this config is for.', values: PROFILES, default: DEFAULT_PROFILE }),
    nodes: map({
      doc: 'The boxes (one or two) by node name; each box finds its entry by its MAC addresses (kernel parameter pillars.node=NAME overrides).',
      required: true,
      minEntries: 1,
      keyName: '<node>',
      keyPattern: NAME,
      keyText: NAME_TEXT,
      value: node,
    }),
    interfaces: map({ doc: 'Shared settings per logical interface.', default: {}, keyName: '<interface>', keyPattern: IFNAME, keyText: IFNAME_TEXT, value: sharedInterface }),
    routes: list({ doc: 'Static routes on both nodes.', default: [], item: route }),
    sysctl: { ...sysctl, default: {} },
    firewall,
    statesync,
    vrrp,
    carp,
    director,
    realserver,
    heartbeat,
    alerts,
    admin,
  },
});

export type PillarsConfig = Infer<typeof pillarsConfig>;
export type NodeConfig = PillarsConfig['nodes'][string];
export type VrrpInstance = NonNullable<PillarsConfig['vrrp']>['instances'][number];
export type VirtualServer = NonNullable<PillarsConfig['director']>['virtual_servers'][number];
export type RealServer = VirtualServer['real_servers'][number];
export type Check = NonNullable<VirtualServer['check']>;
export type HeartbeatLink = NonNullable<PillarsConfig['heartbeat']>['links'][number];

/** Roles each profile runs (mirrors profiles/<name>.yaml; used for the "section needed" rules). */
export const PROFILE_SECTIONS: Readonly<Record<ProfileName, { needs: readonly string[]; allows: readonly string[] }>> = {
  director: { needs: ['director'], allows: ['firewall', 'statesync', 'vrrp', 'carp', 'director', 'alerts', 'admin'] },
  firewall: { needs: ['firewall'], allows: ['firewall', 'statesync', 'vrrp', 'carp', 'alerts', 'admin'] },
  router: { needs: [], allows: ['firewall', 'statesync', 'vrrp', 'carp', 'alerts', 'admin'] },
  heartbeat: { needs: ['heartbeat'], allows: ['firewall', 'heartbeat', 'alerts', 'admin'] },
  realserver: { needs: ['realserver'], allows: ['firewall', 'realserver', 'alerts', 'admin'] },
};
