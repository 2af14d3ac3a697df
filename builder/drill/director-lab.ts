/**
 * The director pair config of the LVS integration tests: one VIP, a virtual server per behaviour
 * on its own port, alerts to a lab SMTP sink. Pure: YAML lines for labConfig's directorYaml and
 * extraYaml.
 *
 *   80 rr (NAT)    81 wrr 3,3,1 (NAT)    82 sh (NAT)    83 rr + persistence (NAT)
 *   84 rr (DR: two backends on lan)    85 rr (NAT, long-lived connections)
 *   86 rr (TUN: a VM booted with a realserver config; its status page answers /node)
 *   90 rr (NAT, HTTP_GET check, sorry server)
 */
import { vmMac } from '../vm/plan.js';
import { LAB_ADDRESSES } from './lab-config.js';

export const DIRECTOR_LAB = {
  vip: LAB_ADDRESSES.lanVip,
  web: [0, 1, 2].map((i) => LAB_ADDRESSES.backend(i)),
  dr: ['192.0.2.110', '192.0.2.111'],
  /** The LVS-TUN backend: a third appliance VM (lab index 2) on lan, with the realserver role. */
  tun: { name: 'rs1', index: 2, address: '192.0.2.120', port: 86 },
  smtp: '192.0.2.125',
  sorry: '198.51.100.120',
} as const;
const VIP = DIRECTOR_LAB.vip;
const WEB = DIRECTOR_LAB.web;
const DR = DIRECTOR_LAB.dr;
const SMTP = DIRECTOR_LAB.smtp;
const SORRY = DIRECTOR_LAB.sorry;
const DIRECTOR_LAB_TUN = DIRECTOR_LAB.tun;

const rs = (addrs: readonly string[], port: number, weights: readonly number[] = []) =>
  addrs.map((a, i) => `        - { address: ${a}, port: ${port}, weight: ${weights[i] ?? 1} }`);
const tcp = '{ type: TCP_CHECK, connect_timeout: 1, retry: 1, delay_before_retry: 1 }';
const vs = (name: string, port: number, lines: string[], servers: string[]) => [
  `    - name: ${name}`,
  `      vip: ${VIP}`,
  `      port: ${port}`,
  '      delay_loop: 2',
  ...lines.map((l) => `      ${l}`),
  '      real_servers:',
  ...servers,
];

export const DIRECTOR_YAML: readonly string[] = [
  'director:',
  '  virtual_servers:',
  ...vs('rr', 80, ['scheduler: rr', 'forwarding: nat', `check: ${tcp}`], rs(WEB, 80)),
  ...vs('wrr', 81, ['scheduler: wrr', 'forwarding: nat', `check: ${tcp}`], rs(WEB, 81, [3, 3, 1])),
  ...vs('sh', 82, ['scheduler: sh', 'forwarding: nat', `check: ${tcp}`], rs(WEB, 82)),
  ...vs(
    'persist',
    83,
    ['scheduler: rr', 'forwarding: nat', 'persistence: { timeout: 60 }', `check: ${tcp}`],
    rs(WEB, 83),
  ),
  ...vs('dr', 84, ['scheduler: rr', 'forwarding: dr', `check: ${tcp}`], rs(DR, 84)),
  ...vs(
    'tun',
    DIRECTOR_LAB_TUN.port,
    ['scheduler: rr', 'forwarding: tun', `check: ${tcp}`],
    rs([DIRECTOR_LAB_TUN.address], DIRECTOR_LAB_TUN.port),
  ),
  ...vs('conns', 85, ['scheduler: rr', 'forwarding: nat', `check: ${tcp}`], rs(WEB, 85)),
  ...vs(
    'health',
    90,
    [
      'scheduler: rr',
      'forwarding: nat',
      `sorry_server: "${SORRY}:90"`,
      'check: { type: HTTP_GET, connect_timeout: 1, retry: 1, delay_before_retry: 1, urls: [{ path: /, status_code: 200 }] }',
    ],
    rs(WEB, 90),
  ),
];
/** A virtual server the reload test adds to the running pair: rr over the web backends' `port`. */
export function addedVirtualServer(name: string, port: number, backendPort: number): string[] {
  return vs(name, port, ['scheduler: rr', 'forwarding: nat', `check: ${tcp}`], rs(WEB, backendPort));
}

export const ALERTS_YAML: readonly string[] = [
  'alerts:',
  `  smtp_server: "${SMTP}:25"`,
  '  from: director@example.org',
  '  to: [admin@example.org]',
];

/**
 * The stick config of the LVS-TUN backend: profile realserver, the VIP on tunl0, and the status
 * page on the virtual server's port as the service (GET /node answers with the node name).
 */
export function tunRealserverConfig(): string {
  const t = DIRECTOR_LAB_TUN;
  return [
    '# Generated for the pillars lab: an LVS-TUN real server (see builder/drill/director-lab.ts).',
    'version: 1',
    'profile: realserver',
    'nodes:',
    `  ${t.name}:`,
    `    hostname: ${t.name}`,
    '    interfaces:',
    `      lan: { mac: "${vmMac(t.index, 0)}", addresses: [${t.address}/24] }`,
    'realserver:',
    '  forwarding: tun',
    `  vips: [${VIP}]`,
    'admin:',
    `  status_page: { listen: "0.0.0.0:${t.port}" }`,
    '',
  ].join('\n');
}
