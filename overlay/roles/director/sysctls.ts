/**
 * Kernel settings of an LVS director. The net.ipv4.vs.* keys exist once the ip_vs module is loaded,
 * so whoever applies them loads ip_vs first.
 */
import type { PillarsConfig } from '../../config/index.js';

export function directorSysctls(config: PillarsConfig): Record<string, string> {
  const director = config.director;
  if (!director) return {};
  const methods = new Set(
    director.virtual_servers.flatMap((vs) => [
      vs.forwarding,
      ...vs.real_servers.map((rs) => rs.forwarding ?? vs.forwarding),
    ]),
  );
  const nat = methods.has('nat');
  const persistent = director.virtual_servers.some((vs) => vs.persistence);
  const out: Record<string, string> = {
    // A real server the checker removed: drop its connections at once, so clients reconnect to a
    // live server instead of retransmitting into a dead one until the entry times out.
    'net.ipv4.vs.expire_nodest_conn': '1',
  };
  if (nat) {
    // NAT: replies from the real servers are routed back through the director.
    out['net.ipv4.ip_forward'] = '1';
    // The director is the real servers' gateway on their own LAN; ICMP redirects would send them
    // (or clients on that LAN) around it and break the reverse NAT.
    out['net.ipv4.conf.all.send_redirects'] = '0';
    out['net.ipv4.conf.default.send_redirects'] = '0';
    if (config.firewall || config.statesync) {
      // With nftables (stateful rules, masquerade) or conntrackd, IPVS connections must be in
      // conntrack: without it NAT replies look INVALID to the firewall and are not synced.
      out['net.ipv4.vs.conntrack'] = '1';
    }
  }
  if (persistent || director.virtual_servers.some((vs) => vs.inhibit_on_failure)) {
    // A quiesced real server (weight 0 on failure) keeps persistent clients through its templates;
    // expire them so those clients move to a live server.
    out['net.ipv4.vs.expire_quiescent_template'] = '1';
  }
  return out;
}
