/**
 * The firewall pair of the lab (`pillars drill --profile firewall` and the firewall tests): the
 * client outside on lan, the servers inside on internal, conntrackd over the sync link. Pure:
 * YAML lines for labConfig.
 *
 *   outside → inside  tcp 80, 85 to web1 accept (85: long-lived connections through masquerade)
 *   outside → inside  tcp 81 reject (TCP reset)
 *   outside → self    icmp; tcp 8080 (the status page), at most 5 new connections a second
 *   inside  → outside accept
 *   masquerade out internal: the servers see the inside VIP as the source
 *   port forwards on the lan VIP: 8088 → web1:80, 8085 → web1:85
 */
import { LAB_ADDRESSES } from './lab-config.js';

export const FIREWALL_LAB = {
  outsideVip: LAB_ADDRESSES.lanVip,
  insideVip: LAB_ADDRESSES.internalVip,
  server: LAB_ADDRESSES.backend(0),
  /** Ports on the server: 80 HTTP, 85 line echo (long-lived), 81 refused by a reject rule, 82 not allowed. */
  ports: { http: 80, conns: 85, rejected: 81, closed: 82 },
  /** Port forwards on the lan VIP. */
  forward: { http: 8088, conns: 8085 },
  /** New connections a second to the status page (port 8080). */
  newConnRate: 5,
} as const;

export function firewallYaml(o: { conntrackd: boolean }): string[] {
  const f = FIREWALL_LAB;
  return [
    'statesync:',
    '  interface: sync',
    `  conntrackd: ${o.conntrackd}`,
    '  mode: ftfw',
    '  transport: multicast',
    'firewall:',
    '  input_policy: drop',
    '  forward_policy: drop',
    '  output_policy: accept',
    '  zones:',
    '    outside: { interfaces: [lan] }',
    '    inside: { interfaces: [internal] }',
    '  rules:',
    `    - { from: outside, to: inside, protocol: tcp, ports: [${f.ports.http}, ${f.ports.conns}], destinations: [${f.server}], comment: web and echo on web1 }`,
    `    - { from: outside, to: inside, protocol: tcp, ports: [${f.ports.rejected}], action: reject, comment: refused with a reset }`,
    '    - { from: inside, to: outside, comment: inside may go out }',
    '    - { from: outside, to: self, protocol: icmp, comment: ping }',
    `    - { from: outside, to: self, protocol: tcp, ports: [8080], rate_limit: ${f.newConnRate}/second, comment: status page at most ${f.newConnRate} new connections a second }`,
    '  masquerade:',
    '    - { out: internal, comment: servers see the inside VIP }',
    '  port_forwards:',
    `    - { in: lan, protocol: tcp, port: ${f.forward.http}, destination: ${f.outsideVip}, to: "${f.server}:${f.ports.http}", comment: web via the VIP }`,
    `    - { in: lan, protocol: tcp, port: ${f.forward.conns}, destination: ${f.outsideVip}, to: "${f.server}:${f.ports.conns}", comment: echo via the VIP }`,
  ];
}
