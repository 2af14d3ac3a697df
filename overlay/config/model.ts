/**
 * The declaration table of pillars.yaml: every key once, with its type, default, range and doc.
 * Types, validator, JSON Schema and docs/config-reference.md are derived from `pillarsConfig`.
 * Cross-field rules (subnets, uniqueness, references) live in rules.ts.
 */
import { bool, describe, int, list, map, obj, oneOf, scalar, str, variant, type Infer } from './decl.js';
import { profileSections } from '../roles/table.js';

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
const IFNAME_TEXT =
  'an interface name of lowercase letters, digits, - and _ starting with a letter (at most 15; not "include")';
const INSTANCE = /^(?!include$)[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const INSTANCE_TEXT = 'a name of letters, digits, - and _ starting with a letter (at most 32; not "include")';

const nodeName = (doc: string) => str({ doc, required: true, pattern: NAME, patternText: NAME_TEXT });
const ifRef = (doc: string) => str({ doc, required: true, pattern: IFNAME, patternText: IFNAME_TEXT });
const perNode = (doc: string, min: number, max: number) =>
  map({
    doc,
    required: true,
    keyName: '<node>',
    keyPattern: NAME,
    keyText: NAME_TEXT,
    minEntries: 1,
    value: int({ doc: 'Value for this node.', min, max }),
  });
const vips = (doc: string) =>
  list({ doc, required: true, minItems: 1, item: str({ doc: 'A virtual address.', format: 'ipOrCidr' }) });

// ---------------------------------------------------------------- nodes and interfaces
const nodeInterface = obj({
  doc: 'One NIC (or VLAN) of this node, by logical name.',
  fields: {
    mac: str({
      doc: 'The NIC MAC address; the node is recognised at boot by its MAC addresses. Not set on VLAN interfaces.',
      format: 'mac',
    }),
    addresses: list({
      doc: 'Addresses of this node on the interface, in CIDR notation (10.0.0.2/24).',
      default: [],
      item: str({ doc: 'An address with prefix length.', format: 'cidr' }),
    }),
  },
});

const route = obj({
  doc: 'A static route.',
  fields: {
    to: str({
      doc: 'Destination in CIDR notation, or "default".',
      required: true,
      pattern: /^(default|[0-9A-Fa-f.:]+\/\d{1,3})$/,
      patternText: '"default" or a destination with prefix length (e.g. 198.51.100.0/24)',
      check: (s: string) =>
        s === 'default' || /\//.test(s)
          ? undefined
          : 'must be "default" or a destination with prefix length, got ' + JSON.stringify(s),
    }),
    via: str({ doc: 'Gateway address.', format: 'ip' }),
    interface: str({
      doc: 'Logical interface (when not implied by the gateway).',
      pattern: IFNAME,
      patternText: IFNAME_TEXT,
    }),
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
    hostname: str({
      doc: 'Host name (uname -n, as heartbeat knows the node). Defaults to the node name.',
      format: 'hostname',
    }),
    interfaces: map({
      doc: "This node's NICs by logical name (the same logical names on both nodes).",
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
const zoneRef = str({
  doc: 'A zone name, or "self" for the appliance itself.',
  required: true,
  pattern: NAME,
  patternText: NAME_TEXT,
});
const ports = list({
  doc: 'Ports or ranges ("1000-2000").',
  default: [],
  item: scalar({
    doc: 'A port or a range.',
    check: (v: string | number | boolean) => {
      const port = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
      const range = typeof v === 'string' ? /^(\d{1,5})-(\d{1,5})$/.exec(v) : null;
      if (
        typeof v === 'number'
          ? port(v)
          : range && port(Number(range[1])) && port(Number(range[2])) && Number(range[1]) < Number(range[2])
      )
        return undefined;
      return `must be a port 1-65535 or a range "a-b" of ports with a < b, got ${describe(v)}`;
    },
  }),
});
const addrList = (doc: string) =>
  list({ doc, default: [], item: str({ doc: 'An address or network.', format: 'ipOrCidr' }) });
const RATE = /^\d{1,9}\/(second|minute|hour|day)$/;
const RATE_TEXT = 'a rate like 10/second (per second, minute, hour or day)';
const nftComment = str({
  doc: 'Shown in the ruleset as the nft rule comment (and in pillarsctl status with its counters).',
  maxBytes: 120,
  pattern: /^[^"\\]*$/,
  patternText: 'one line of text without double quotes or backslashes',
});
const firewall = obj({
  doc: 'nftables packet filter (firewall role). Fail-closed: anything not allowed is dropped.',
  fields: {
    input_policy: oneOf({
      doc: 'Policy for traffic to the appliance (iptables INPUT policy).',
      values: ['drop', 'accept'],
      default: 'drop',
    }),
    forward_policy: oneOf({
      doc: 'Policy for traffic through the appliance (iptables FORWARD policy).',
      values: ['drop', 'accept'],
      default: 'drop',
    }),
    output_policy: oneOf({
      doc: "Policy for traffic from the appliance itself (iptables OUTPUT policy). With drop, only the pair's own traffic (VRRP/CARP, state sync, heartbeat), ICMP essentials and rules from self pass.",
      values: ['drop', 'accept'],
      default: 'accept',
    }),
    anti_spoofing: bool({
      doc: 'Reverse-path filter on every zone interface: a packet whose source is not routed back out of the interface it came in on is dropped (nft fib saddr . iif).',
      default: true,
    }),
    log_drops: bool({
      doc: 'Log packets dropped by a drop policy or by anti-spoofing to the kernel log (pillarsctl logs firewall), rate-limited.',
      default: true,
    }),
    log_rate: str({
      doc: 'At most this many drop log lines.',
      default: '5/second',
      pattern: RATE,
      patternText: RATE_TEXT,
    }),
    zones: map({
      doc: 'Zones by name.',
      default: {},
      keyName: '<zone>',
      keyPattern: NAME,
      keyText: NAME_TEXT,
      value: obj({
        doc: 'A zone.',
        fields: {
          interfaces: list({
            doc: 'Logical interfaces in this zone.',
            required: true,
            minItems: 1,
            item: str({ doc: 'Interface.', pattern: IFNAME, patternText: IFNAME_TEXT }),
          }),
        },
      }),
    }),
    rules: list({
      doc: 'Allow/deny rules, first match wins. from/to self: to the appliance (input) or from it (output); zone to zone: forwarded traffic.',
      default: [],
      item: obj({
        doc: 'A rule.',
        fields: {
          from: zoneRef,
          to: zoneRef,
          protocol: oneOf({
            doc: 'Protocol.',
            values: ['tcp', 'udp', 'icmp', 'icmpv6', 'vrrp', 'any'],
            default: 'any',
          }),
          ports,
          sources: addrList('Source networks (CIDR); any when empty.'),
          destinations: addrList('Destination networks (CIDR); any when empty.'),
          action: oneOf({
            doc: 'What to do: accept, drop (silently) or reject (TCP reset for tcp, ICMP port unreachable otherwise).',
            values: ['accept', 'drop', 'reject'],
            default: 'accept',
          }),
          rate_limit: str({
            doc: 'Match only up to this rate (nft limit rate); packets above it go on to the next rule (and so to the policy).',
            pattern: RATE,
            patternText: RATE_TEXT,
          }),
          log: bool({ doc: 'Log matching packets (rate-limited by log_rate) before the action.', default: false }),
          comment: nftComment,
        },
      }),
    }),
    masquerade: list({
      doc: 'Source NAT of forwarded traffic leaving an interface. With a VRRP/CARP address on that interface the source becomes that address (SNAT to the VIP), so the other node can take the translated connections over; without one, the interface address (masquerade).',
      default: [],
      item: obj({
        doc: 'A masquerade rule.',
        fields: {
          out: ifRef('Outgoing interface.'),
          sources: addrList('Source networks; any when empty.'),
          comment: nftComment,
        },
      }),
    }),
    port_forwards: list({
      doc: 'Destination NAT, with the matching forward accept.',
      default: [],
      item: obj({
        doc: 'A port forward.',
        fields: {
          in: ifRef('Incoming interface.'),
          protocol: oneOf({ doc: 'Protocol.', values: ['tcp', 'udp'], default: 'tcp' }),
          port: int({ doc: 'Port on the appliance.', required: true, min: 1, max: 65535 }),
          destination: str({
            doc: 'Only traffic to this address of the appliance (e.g. the VIP); any address on the interface when unset.',
            format: 'ip',
          }),
          sources: addrList('Source networks allowed to use the forward; any when empty.'),
          to: str({ doc: 'Destination host:port.', required: true, format: 'hostPort' }),
          comment: nftComment,
        },
      }),
    }),
    marks: list({
      doc: 'Firewall marks set on incoming packets (nft meta mark set), e.g. for director fwmark virtual servers (ipvsadm -f).',
      default: [],
      item: obj({
        doc: 'A marking rule.',
        fields: {
          mark: int({ doc: 'The mark (the director virtual server fwmark).', required: true, min: 1, max: 4294967295 }),
          protocol: oneOf({ doc: 'Protocol.', values: ['tcp', 'udp', 'any'], default: 'tcp' }),
          destinations: list({
            doc: 'Destination addresses (the service VIPs).',
            required: true,
            minItems: 1,
            item: str({ doc: 'An address or network.', format: 'ipOrCidr' }),
          }),
          ports,
          comment: nftComment,
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
    mode: oneOf({
      doc: "conntrackd sync mode: ftfw (reliable, acknowledged; the default), notrack (best effort) or alarm (periodic full refresh). With ftfw and notrack the peer's states go straight into the backup's kernel table (DisableExternalCache), so they are in place before the VIP moves; alarm keeps them aside and commits them on takeover.",
      values: ['ftfw', 'notrack', 'alarm'],
      default: 'ftfw',
    }),
    transport: oneOf({
      doc: "Multicast, or UDP to the other node's address on the interface.",
      values: ['multicast', 'udp'],
      default: 'multicast',
    }),
    multicast_group: str({ doc: 'Multicast group (multicast transport).', format: 'ipv4', default: '225.0.0.50' }),
    port: int({
      doc: 'UDP port of the sync messages (conntrackd Port, or Group with multicast).',
      min: 1,
      max: 65535,
      default: 3780,
    }),
    ipvs_sync: bool({
      doc: "Also run the IPVS connection sync on this interface (director pairs): the kernel's master and backup sync daemons, both always on, so the node without the VIPs knows the connections of the one with them.",
      default: true,
    }),
    conntrackd: bool({
      doc: 'Replicate the firewall connection table with conntrackd (when the config has a firewall section). Off: no conntrackd; a failover then drops established connections through the firewall.',
      default: true,
    }),
    resync_timeout: int({
      doc: "Seconds a booting node waits for the peer's bulk state transfer before it becomes eligible for MASTER anyway (the peer may be down).",
      unit: 's',
      default: 15,
      min: 1,
      max: 600,
    }),
  },
});

// ---------------------------------------------------------------- vrrp (keepalived)
const vrrpInstance = obj({
  doc: 'A keepalived vrrp_instance.',
  fields: {
    name: str({
      doc: 'Instance name (vrrp_instance NAME).',
      required: true,
      pattern: INSTANCE,
      patternText: INSTANCE_TEXT,
    }),
    interface: ifRef('Logical interface the adverts go out on.'),
    vrid: int({ doc: 'virtual_router_id.', required: true, min: 1, max: 255 }),
    version: oneOf({ doc: 'VRRP protocol version (vrrp_version).', values: [2, 3], default: 3 }),
    priority: perNode('Priority per node; the highest becomes MASTER. Must differ between nodes.', 1, 254),
    advert_int: int({
      doc: 'Advert interval in milliseconds (VRRPv3: steps of 10 ms; VRRPv2: whole seconds). keepalived writes seconds (advert_int 1); pillars writes milliseconds. The default of 100 ms (1000 ms with version: 2) fails over in about a third of a second.',
      unit: 'ms',
      default: 100,
      min: 10,
      max: 255000,
      multipleOf: 10,
    }),
    down_timer_adverts: int({
      doc: 'Adverts a BACKUP misses before it takes over (keepalived down_timer_adverts): the master-down interval is this many advert intervals plus the skew. The VRRP RFCs say 3. Fewer detect a dead master sooner and take over from a master that is only late sooner too; more tolerate a lossy or busy link. Both nodes read the same value from the shared config, as keepalived requires.',
      default: 3,
      min: 1,
      max: 100,
    }),
    vips: vips('virtual_ipaddress entries (address or address/prefix; a bare address takes the interface prefix).'),
    nopreempt: bool({ doc: 'Do not take MASTER back from a lower-priority node.', default: false }),
    preempt_delay: int({
      doc: 'Seconds to wait before preempting after boot.',
      unit: 's',
      default: 0,
      min: 0,
      max: 1000,
    }),
    unicast_peers: list({
      doc: 'Send adverts by unicast to these addresses instead of multicast.',
      default: [],
      item: str({ doc: 'Peer address.', format: 'ip' }),
    }),
    track_interfaces: list({
      doc: 'Go to FAULT when one of these logical interfaces is down.',
      default: [],
      item: str({ doc: 'Interface.', pattern: IFNAME, patternText: IFNAME_TEXT }),
    }),
    track_scripts: list({
      doc: 'Names of vrrp.scripts whose result adjusts the priority.',
      default: [],
      item: str({ doc: 'Script name.', pattern: INSTANCE, patternText: INSTANCE_TEXT }),
    }),
    track_bfd: bool({
      doc: "Track the BFD session to the other node (vrrp.bfd; keepalived track_bfd): while it is down, this instance's priority changes by vrrp.bfd.priority_change.",
      default: false,
    }),
    garp: obj({
      doc: 'Gratuitous ARP after becoming MASTER.',
      default: {},
      fields: {
        master_delay: int({
          doc: 'garp_master_delay: seconds before the second burst.',
          unit: 's',
          default: 5,
          min: 0,
          max: 255,
        }),
        master_repeat: int({ doc: 'garp_master_repeat: messages per burst.', default: 5, min: 1, max: 255 }),
        master_refresh: int({
          doc: 'garp_master_refresh: seconds between refreshes while MASTER (0: never).',
          unit: 's',
          default: 0,
          min: 0,
          max: 86400,
        }),
      },
    }),
    auth: obj({
      doc: 'authentication block (VRRPv2 only; RFC 3768).',
      fields: {
        type: oneOf({ doc: 'auth_type.', values: ['PASS', 'AH'], default: 'PASS' }),
        pass: str({
          doc: 'auth_pass: one word of at most 8 bytes (VRRPv2 carries 8 bytes; keepalived cuts a longer one).',
          required: true,
          secret: true,
          format: 'token',
          minBytes: 1,
          maxBytes: 8,
        }),
      },
    }),
  },
});

/** keepalived's BFD control ports: single hop (RFC 5881), echo, multihop (RFC 5883). */
export const BFD_PORTS = { control: 3784, echo: 3785, multihop: 4784 } as const;

const bfdMs = (doc: string, dflt: number, min: number) => int({ doc, unit: 'ms', default: dflt, min, max: 10000 });
const vrrpBfd = obj({
  doc: "BFD (RFC 5880) between the two nodes, run by keepalived's BFD process (bfd_instance): a session from this node's address on the interface to the other node's address there. Instances with track_bfd (or in a sync group with track_bfd) change priority while it is down. keepalived 2.3 acts on a BFD down only through that priority (or FAULT, which pillars refuses: it would stop the backup from taking over exactly when the peer dies); a backup still takes over when its VRRP master-down timer runs out.",
  fields: {
    interface: str({
      doc: 'Logical interface the session runs on (both nodes need an address there). Defaults to statesync.interface, the sync link.',
      pattern: IFNAME,
      patternText: IFNAME_TEXT,
    }),
    min_rx: bfdMs(
      "Required minimum receive interval (keepalived min_rx). keepalived's default is 10 ms; 10 ms × 5 flapped in the QEMU lab (see README, BFD), so pillars defaults to 50 ms.",
      50,
      1,
    ),
    min_tx: bfdMs("Desired minimum transmit interval (keepalived min_tx; keepalived's default 10 ms).", 50, 1),
    idle_tx: bfdMs('Transmit interval while the session is not up (keepalived idle_tx).', 1000, 1000),
    multiplier: int({
      doc: "Packets missed before the session is declared down: the detection time is multiplier × the slower of min_rx and the peer's min_tx.",
      default: 5,
      min: 2,
      max: 10,
    }),
    multihop: bool({
      doc: `Multihop BFD (RFC 5883, UDP port ${BFD_PORTS.multihop}) when the other node's address is not on the interface's subnet; hop counts are then not checked.`,
      default: false,
    }),
    priority_change: int({
      doc: "Priority change of each tracking instance while the session is down (written as keepalived track_bfd weight; a positive change as a reverse weight). Not 0 (that would put the instance in FAULT), and smaller than the gap between the two nodes' priorities, so a session seen down on one side first never reorders the pair.",
      default: 10,
      min: -253,
      max: 253,
    }),
  },
});

const vrrp = obj({
  doc: 'VRRP failover of virtual addresses (keepalived).',
  fields: {
    instances: list({ doc: 'vrrp_instance blocks.', required: true, minItems: 1, item: vrrpInstance }),
    bfd: vrrpBfd,
    sync_groups: list({
      doc: 'vrrp_sync_group: instances that change state together.',
      default: [],
      item: obj({
        doc: 'A sync group.',
        fields: {
          name: str({ doc: 'Group name.', required: true, pattern: INSTANCE, patternText: INSTANCE_TEXT }),
          instances: list({
            doc: 'Instance names.',
            required: true,
            minItems: 2,
            item: str({ doc: 'Instance.', pattern: INSTANCE, patternText: INSTANCE_TEXT }),
          }),
          track_bfd: bool({
            doc: 'Every instance of the group tracks the BFD session to the other node (as track_bfd on each).',
            default: false,
          }),
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
          script: str({
            doc: 'Command to run (exit 0 = good); keepalived runs it without a shell.',
            required: true,
            format: 'command',
            maxBytes: 512,
          }),
          interval: int({ doc: 'Seconds between runs.', unit: 's', default: 2, min: 1, max: 3600 }),
          timeout: int({ doc: 'Seconds before a run counts as failed.', unit: 's', default: 2, min: 1, max: 3600 }),
          weight: int({
            doc: 'Priority change while failing (negative) or succeeding (positive); 0 = FAULT on failure.',
            default: 0,
            min: -253,
            max: 253,
          }),
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
          advbase: int({
            doc: 'Advert base interval in whole seconds (--advbase).',
            unit: 's',
            default: 1,
            min: 1,
            max: 255,
          }),
          advskew: perNode(
            'Advert skew per node (--advskew); the lowest becomes MASTER. Must differ between nodes.',
            0,
            254,
          ),
          dead_ratio: int({
            doc: "Adverts a backup misses before it takes over (--deadratio). ucarp's default is 3; 2 fails over one advbase sooner. At least 2, so one late advert never flaps the pair.",
            default: 3,
            min: 2,
            max: 20,
          }),
          password: str({
            doc: 'Shared password (--passfile), one line of at most 255 bytes.',
            required: true,
            secret: true,
            minBytes: 1,
            maxBytes: 255,
            pattern: /^\S(.*\S)?$/,
            patternText: 'text without leading or trailing spaces',
          }),
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
  retry: int({
    doc: 'Failed attempts before the real server is taken out (keepalived retry).',
    default: 1,
    min: 1,
    max: 100,
  }),
  delay_before_retry: int({ doc: 'Seconds between attempts.', unit: 's', default: 1, min: 0, max: 3600 }),
  connect_port: int({ doc: 'Port to check (defaults to the real server port).', min: 1, max: 65535 }),
};
const url = obj({
  doc: 'A url block.',
  fields: {
    path: str({ doc: 'Path requested.', required: true, format: 'urlPath', maxBytes: 512 }),
    digest: str({
      doc: 'MD5 of the response body (genhash output).',
      pattern: /^[0-9a-f]{32}$/,
      patternText: '32 lowercase hex digits (an MD5 digest)',
    }),
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
        script: str({
          doc: 'misc_path: command line; keepalived runs it without a shell.',
          required: true,
          format: 'command',
          maxBytes: 512,
        }),
        timeout: int({ doc: 'misc_timeout in seconds.', unit: 's', default: 5, min: 1, max: 3600 }),
        dynamic: bool({ doc: 'misc_dynamic: exit code 2-255 sets the weight to code-2.', default: false }),
      },
    }),
    DNS_CHECK: obj({
      doc: 'DNS query.',
      fields: {
        ...checkCommon,
        name: str({ doc: 'Name queried.', default: '.', format: 'dnsName' }),
        query_type: oneOf({
          doc: 'Query type.',
          values: ['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'PTR', 'CNAME'],
          default: 'SOA',
        }),
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
    quorum: int({
      doc: 'Minimum total weight of live real servers for the service to be up.',
      default: 1,
      min: 1,
      max: 65535,
    }),
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
    vips: list({
      doc: 'Virtual addresses served.',
      required: true,
      minItems: 1,
      item: str({ doc: 'A VIP.', format: 'ip' }),
    }),
  },
});

// ---------------------------------------------------------------- heartbeat (Linux-HA)
/** The serial port the kernel console and the test channel use; a heartbeat serial link never goes there. */
export const CONSOLE_SERIAL = '/dev/ttyS0';
const HB_TOKEN = /^[A-Za-z0-9_.:/@%+=,-]+$/;
const HB_TOKEN_TEXT = 'one word of letters, digits and _ . : / @ % + = , -';
const msTimer = (doc: string, dflt: number) => int({ doc, unit: 'ms', default: dflt, min: 10, max: 3_600_000 });
const hbLink = variant({
  doc: 'A heartbeat medium (ha.cf bcast / mcast / ucast / serial).',
  tag: 'type',
  variants: {
    bcast: obj({ doc: 'Broadcast on an interface (ha.cf bcast).', fields: { interface: ifRef('Logical interface.') } }),
    ucast: obj({
      doc: "Unicast to the other node's address on the interface (ha.cf ucast; each node sends to its peer).",
      fields: { interface: ifRef('Logical interface.') },
    }),
    mcast: obj({
      doc: 'Multicast (ha.cf mcast dev group port ttl 0).',
      fields: {
        interface: ifRef('Logical interface.'),
        group: str({
          doc: 'Multicast group (heartbeat suggests 239.192.0.0/14).',
          format: 'ipv4',
          default: '239.192.0.1',
        }),
        ttl: int({ doc: 'TTL (1: this subnet).', default: 1, min: 1, max: 255 }),
      },
    }),
    serial: obj({
      doc: 'Null-modem cable between the boxes (ha.cf serial + baud). Never the console port /dev/ttyS0.',
      fields: {
        device: str({
          doc: 'Serial device (the second port; the first is the console).',
          default: '/dev/ttyS1',
          pattern: /^\/dev\/tty[A-Za-z0-9]+$/,
          patternText: 'a serial device such as /dev/ttyS1',
        }),
        baud: oneOf({ doc: 'Speed.', values: [9600, 19200, 38400, 57600, 115200, 230400], default: 19200 }),
      },
    }),
  },
});
const hbAddress = obj({
  doc: 'An address taken over with the group (IPaddr2::address/prefix/interface).',
  fields: {
    address: str({
      doc: 'Address, with prefix length (a bare address takes the interface prefix).',
      required: true,
      format: 'ipOrCidr',
    }),
    interface: ifRef('Logical interface the address goes on.'),
  },
});
const hbGroup = obj({
  doc: 'A resource group: started in this order on the node that holds it (addresses, DRBD, filesystem, services, mail), stopped in reverse.',
  fields: {
    name: str({
      doc: 'Group name for status output and events.',
      required: true,
      pattern: NAME,
      patternText: NAME_TEXT,
    }),
    node: nodeName('Preferred node (first word of the haresources line).'),
    addresses: list({ doc: 'IP takeover (IPaddr2).', default: [], item: hbAddress }),
    drbd: bool({
      doc: 'Make the drbd resource primary here (drbddisk::<drbd.resource>) before the filesystem.',
      default: false,
    }),
    filesystem: obj({
      doc: 'Mount a filesystem (Filesystem::device::mountpoint::fstype[::options]).',
      fields: {
        device: str({
          doc: 'Block device; defaults to the DRBD device when drbd is on.',
          pattern: /^\/dev\/[A-Za-z0-9_./-]+$/,
          patternText: 'a device path such as /dev/drbd0',
        }),
        mountpoint: str({
          doc: 'Where it is mounted.',
          required: true,
          pattern: /^\/[A-Za-z0-9_./-]*$/,
          patternText: 'an absolute path of letters, digits, _ . / -',
        }),
        fstype: oneOf({ doc: 'Filesystem type.', values: ['ext4', 'ext3', 'ext2'], default: 'ext4' }),
        options: str({
          doc: 'Mount options (comma separated).',
          pattern: /^[a-z0-9_=,]+$/,
          patternText: 'mount options such as noatime,data=ordered',
        }),
      },
    }),
    services: list({
      doc: 'Resource scripts (/etc/ha.d/resource.d or /etc/init.d), started in this order after the storage; "name::arg::arg" passes arguments.',
      default: [],
      item: str({
        doc: 'A resource script, optionally with ::arguments.',
        pattern: /^[A-Za-z][A-Za-z0-9_.-]*(::[A-Za-z0-9_.:/@%+=,-]+)*$/,
        patternText: 'a resource name such as apache2 or IPsrcaddr::10.0.0.10',
      }),
    }),
    mail: obj({
      doc: 'MailTo alert when the group moves (needs the alerts section for the relay).',
      fields: {
        to: list({
          doc: 'Recipients.',
          required: true,
          minItems: 1,
          item: str({ doc: 'Recipient.', format: 'email' }),
        }),
        subject: str({ doc: 'Subject prefix (one word).', pattern: HB_TOKEN, patternText: HB_TOKEN_TEXT }),
      },
    }),
  },
});
const hbKey = obj({
  doc: 'One authkeys entry.',
  fields: {
    id: int({ doc: 'Key number (authkeys line "<id> <method> <key>").', required: true, min: 1, max: 15 }),
    method: oneOf({ doc: 'Signature method.', values: ['sha1', 'md5', 'crc'], default: 'sha1' }),
    key: str({
      doc: 'Shared key (sha1/md5: 8-128 bytes, one word; crc takes none).',
      secret: true,
      pattern: /^[^\s#]+$/,
      patternText: 'one word: no whitespace and no #',
    }),
  },
});
const heartbeat = obj({
  doc: "Linux-HA heartbeat cluster (ha.cf, haresources, authkeys). Timers in milliseconds; heartbeat's rules: deadtime > 2 × keepalive, keepalive < warntime < deadtime, initdead ≥ deadtime.",
  fields: {
    keepalive: msTimer(
      'Milliseconds between heartbeats (ha.cf keepalive; written as seconds when whole, else as 500ms).',
      2000,
    ),
    deadtime: msTimer(
      'Milliseconds of silence before the peer is declared dead and its resources are taken over.',
      30000,
    ),
    warntime: msTimer('Milliseconds of silence before a late-heartbeat warning.', 10000),
    initdead: msTimer('deadtime used at start (links may be slow to come up).', 120000),
    udpport: int({ doc: 'UDP port for bcast/ucast/mcast.', default: 694, min: 1, max: 65535 }),
    links: list({
      doc: 'Heartbeat media; use at least two independent ones (e.g. ucast + serial).',
      required: true,
      minItems: 1,
      item: hbLink,
    }),
    auto_failback: bool({ doc: 'Move resources back to their preferred node when it returns.', default: true }),
    ping_nodes: list({
      doc: 'ping nodes: addresses whose reachability ipfail compares between the nodes.',
      default: [],
      item: str({ doc: 'Address.', format: 'ipv4' }),
    }),
    ping_groups: map({
      doc: 'ping_group: a named group counts as reachable when any member answers.',
      default: {},
      keyName: '<group>',
      keyPattern: NAME,
      keyText: NAME_TEXT,
      value: list({
        doc: 'Member addresses.',
        required: true,
        minItems: 1,
        item: str({ doc: 'Address.', format: 'ipv4' }),
      }),
    }),
    ipfail: bool({
      doc: 'Run ipfail (respawn hacluster ipfail): give up resources when the peer reaches more ping nodes. Needs ping_nodes or ping_groups.',
      default: false,
    }),
    watchdog: str({
      doc: 'Watchdog device heartbeat feeds (softdog is loaded when it is /dev/watchdog).',
      pattern: /^\/dev\/watchdog[0-9]*$/,
      patternText: 'a watchdog device such as /dev/watchdog',
    }),
    respawn: list({
      doc: 'respawn lines: programs heartbeat runs and restarts (exit code 100 stops them).',
      default: [],
      item: obj({
        doc: 'A respawned program.',
        fields: {
          user: str({ doc: 'User it runs as.', default: 'hacluster', pattern: NAME, patternText: NAME_TEXT }),
          command: list({
            doc: 'Program and arguments, one word each.',
            required: true,
            minItems: 1,
            item: str({ doc: 'A word.', pattern: HB_TOKEN, patternText: HB_TOKEN_TEXT }),
          }),
        },
      }),
    }),
    groups: list({ doc: 'Resource groups (rendered to haresources lines).', default: [], item: hbGroup }),
    resources: list({
      doc: 'Classic haresources lines as written for heartbeat: "<node> <resource> <resource>…"; a bare address or IPaddr::addr/prefix/interface takes over an address (interface: a logical name).',
      default: [],
      item: str({
        doc: 'An haresources line.',
        pattern: /^[A-Za-z0-9_.:/@%+=,-]+([ \t]+[A-Za-z0-9_.:/@%+=,-]+)+$/,
        patternText: 'a node followed by resources, words of letters, digits and _ . : / @ % + = , -',
        maxBytes: 1024,
      }),
    }),
    authkeys: obj({
      doc: 'authkeys: how heartbeat packets are signed. One key (method + key), or several (keys + active) to rotate keys without downtime.',
      required: true,
      fields: {
        method: oneOf({ doc: 'Signature method of the single key (id 1).', values: ['sha1', 'md5', 'crc'] }),
        key: str({
          doc: 'The single key (sha1/md5: 8-128 bytes, one word; crc takes none).',
          secret: true,
          pattern: /^[^\s#]+$/,
          patternText: 'one word: no whitespace and no #',
        }),
        keys: list({
          doc: 'Several keys by id; heartbeat accepts every listed key and signs with the active one.',
          default: [],
          item: hbKey,
        }),
        active: int({ doc: 'Id of the key heartbeat signs with ("auth <id>"; with keys).', min: 1, max: 15 }),
      },
    }),
  },
});

// ---------------------------------------------------------------- drbd
const drbd = obj({
  doc: 'DRBD replicated block device under heartbeat (drbd 8.4 resource file). The backing disk is a local disk named by a stable id; it is initialised (metadata + initial sync) only when it is empty.',
  fields: {
    resource: str({
      doc: 'Resource name (drbddisk::<name> in haresources).',
      default: 'r0',
      pattern: NAME,
      patternText: NAME_TEXT,
    }),
    minor: int({ doc: 'Device minor: /dev/drbd<minor>.', default: 0, min: 0, max: 255 }),
    disk: str({
      doc: 'Backing disk by stable name (/dev/disk/by-id/…, by-path/…).',
      required: true,
      pattern: /^\/dev\/disk\/by-(id|path|partuuid|partlabel)\/[A-Za-z0-9_.:+@-]+$/,
      patternText: 'a stable device name under /dev/disk/by-id/ or /dev/disk/by-path/',
    }),
    interface: ifRef(
      'Logical interface of the replication link (a crossover cable is best); each node uses its first address there.',
    ),
    port: int({ doc: 'TCP port of the replication link.', default: 7788, min: 1, max: 65535 }),
    protocol: oneOf({
      doc: 'Replication protocol: C acknowledges a write once both disks have it (no acknowledged write lost on failover).',
      values: ['A', 'B', 'C'],
      default: 'C',
    }),
    sync_rate: str({
      doc: 'Resync rate (resync-rate), e.g. 40M.',
      default: '40M',
      pattern: /^[1-9][0-9]{0,5}[KMG]$/,
      patternText: 'a rate such as 40M (K, M or G bytes per second)',
    }),
    shared_secret: str({
      doc: 'Peer authentication (cram-hmac-alg sha1).',
      secret: true,
      pattern: /^[A-Za-z0-9_.:/@%+=,-]{8,64}$/,
      patternText: '8-64 characters of letters, digits and _ . : / @ % + = , -',
    }),
  },
});

// ---------------------------------------------------------------- fencing (STONITH)
/** STONITH plugins of cluster-glue the fencing section can name, with the parameters heartbeat passes them in order. */
export const FENCE_TYPES = ['external/ipmi', 'apcmaster', 'external/rackpdu', 'baytech', 'lab'] as const;
const fencing = obj({
  doc: 'STONITH (heartbeat stonith_host): the power devices that switch a node off before its resources are taken over.',
  fields: {
    devices: list({
      doc: 'Power devices.',
      required: true,
      minItems: 1,
      item: obj({
        doc: 'A power device and the nodes it controls.',
        fields: {
          type: oneOf({
            doc: "cluster-glue STONITH plugin: external/ipmi (a BMC per node), apcmaster (APC MasterSwitch, telnet), external/rackpdu (SNMP PDU), baytech (RPC), lab (the QEMU lab's power controller, plugin external/pillars-lab).",
            values: FENCE_TYPES,
            required: true,
          }),
          address: str({
            doc: 'Device address (host or host:port).',
            required: true,
            check: (s: string) =>
              /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(s)
                ? undefined
                : `must be a host or host:port, got ${JSON.stringify(s)}`,
          }),
          login: str({
            doc: 'Login (ipmi userid, apcmaster login; rackpdu: SNMP community).',
            pattern: HB_TOKEN,
            patternText: HB_TOKEN_TEXT,
          }),
          password: str({ doc: 'Password.', secret: true, pattern: HB_TOKEN, patternText: HB_TOKEN_TEXT }),
          nodes: list({
            doc: "Nodes this device powers (outlet names are the nodes' hostnames).",
            required: true,
            minItems: 1,
            item: str({ doc: 'Node.', pattern: NAME, patternText: NAME_TEXT }),
          }),
          interface: oneOf({
            doc: 'external/ipmi: ipmitool interface.',
            values: ['lan', 'lanplus'],
            default: 'lanplus',
          }),
        },
      }),
    }),
  },
});

// ---------------------------------------------------------------- alerts, admin
const alerts = obj({
  doc: 'Mail on state changes (keepalived notification_email, heartbeat MailTo).',
  fields: {
    smtp_server: str({
      doc: 'SMTP relay, host or host:port.',
      required: true,
      check: (s: string) => {
        const m = /^(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(s);
        return m && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535))
          ? undefined
          : `must be a host or host:port (port 1-65535), got ${describe(s)}`;
      },
    }),
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
    cluster: obj({
      doc: 'The peer channel: each node serves its status to the other (for the status page and `pillarsctl cluster status`) on its own address on this interface, authenticated with the shared key.',
      fields: {
        interface: ifRef('Logical interface of the sync/admin network both nodes have an address on (e.g. sync).'),
        port: int({ doc: 'TCP port of the peer channel.', default: 7411, min: 1, max: 65535 }),
        key: str({
          doc: 'Shared key (at least 16 characters; the same on both nodes): every request is signed with HMAC-SHA256 over a time and a nonce.',
          required: true,
          secret: true,
          minLength: 16,
          maxBytes: 256,
          pattern: /^\S+$/,
          patternText: 'one word (no spaces)',
        }),
        config_sync: oneOf({
          doc: "Config sync between the two sticks over the peer channel. manual: `pillarsctl save --peer` also writes the saved config to the peer's stick, and this node takes configs the peer sends; auto: every `pillarsctl save` does, and at boot, at reload and while the peer is unreachable this node sends its stick's config when it is newer than the peer's; off: neither sends nor takes. A config only goes where it is newer: a conflict (both sticks changed since the last generation they shared) is reported and nothing is overwritten.",
          values: ['manual', 'auto', 'off'],
          default: 'manual',
        }),
      },
    }),
    ssh_authorized_keys: list({
      doc: 'SSH public keys allowed to log in as root (ssh is off when empty).',
      default: [],
      item: str({
        doc: 'An authorized_keys line.',
        pattern: /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/,
        patternText: 'an OpenSSH public key line (ssh-ed25519 AAAA… comment)',
      }),
    }),
    ssh_listen: list({
      doc: 'Where SSH (dropbear) listens, as address:port; needed with ssh_authorized_keys, since SSH never listens everywhere by default. Each node binds the entries that are its own addresses (0.0.0.0:port or [::]:port only when written out).',
      default: [],
      item: str({ doc: 'An address:port to listen on.', format: 'hostPort' }),
    }),
    watchdog: obj({
      doc: 'The box resets itself when its supervisor hangs: the supervisor opens this watchdog device (loading softdog when the box has no hardware watchdog) and feeds it while its event loop runs and the failover daemons (keepalived with VRRP, ucarp, heartbeat) are up. A clean poweroff or reboot disarms it. Off without this section; not together with heartbeat.watchdog.',
      fields: {
        device: str({
          doc: 'The watchdog device (/dev/watchdog is the first one the kernel registered: the hardware one if any, else softdog).',
          default: '/dev/watchdog',
          pattern: /^\/dev\/watchdog[0-9]{0,2}$/,
          patternText: 'a watchdog device such as /dev/watchdog or /dev/watchdog1',
        }),
        timeout: int({
          doc: 'Seconds without a feed before the device resets the box. It must cover a supervisor restart (init respawns it and it reopens the device).',
          default: 60,
          min: 10,
          max: 600,
        }),
        grace: int({
          doc: 'Seconds a failover daemon may stay down (restarting after crashes, starting, waiting for what it depends on) before the supervisor stops feeding the watchdog; one the supervisor gave up on (failed) stops the feed at once.',
          default: 300,
          min: 30,
          max: 3600,
        }),
      },
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
    interfaces: map({
      doc: 'Shared settings per logical interface.',
      default: {},
      keyName: '<interface>',
      keyPattern: IFNAME,
      keyText: IFNAME_TEXT,
      value: sharedInterface,
    }),
    routes: list({ doc: 'Static routes on both nodes.', default: [], item: route }),
    sysctl: { ...sysctl, default: {} },
    firewall,
    statesync,
    vrrp,
    carp,
    director,
    realserver,
    heartbeat,
    drbd,
    fencing,
    alerts,
    admin,
  },
});

export type PillarsConfig = Infer<typeof pillarsConfig>;
export type NodeConfig = PillarsConfig['nodes'][string];
export type VrrpInstance = NonNullable<PillarsConfig['vrrp']>['instances'][number];
export type VrrpBfd = NonNullable<NonNullable<PillarsConfig['vrrp']>['bfd']>;
export type VirtualServer = NonNullable<PillarsConfig['director']>['virtual_servers'][number];
export type RealServer = VirtualServer['real_servers'][number];
export type Check = NonNullable<VirtualServer['check']>;
export type HeartbeatConfig = NonNullable<PillarsConfig['heartbeat']>;
export type HeartbeatLink = HeartbeatConfig['links'][number];
export type HeartbeatGroup = HeartbeatConfig['groups'][number];
export type DrbdConfig = NonNullable<PillarsConfig['drbd']>;
export type FencingConfig = NonNullable<PillarsConfig['fencing']>;

/** The sections each profile's config needs and may have (derived from the role table). */
export const PROFILE_SECTIONS: Readonly<Record<ProfileName, { needs: readonly string[]; allows: readonly string[] }>> =
  Object.fromEntries(PROFILES.map((p) => [p, profileSections(p)])) as Record<
    ProfileName,
    { needs: string[]; allows: string[] }
  >;
