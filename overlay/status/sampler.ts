/**
 * What the box graphs: every RING_STEP_MS the pool's packet counters (in + out, per virtual
 * service and per real server) go into the metric rings; `graphsOf` turns the rings into the
 * per-second rates a snapshot carries. Pure apart from the rings it is given.
 */
import type { PoolService } from '../pillarsctl/ipvs.js';
import { rates, type MetricRings } from './rings.js';

export const serviceGraphKey = (svc: Pick<PoolService, 'protocol' | 'address'>) => `svc|${svc.protocol} ${svc.address}`;
export const serverGraphKey = (svc: Pick<PoolService, 'protocol' | 'address'>, rs: string) =>
  `rs|${svc.protocol} ${svc.address}|${rs}`;

export function samplePool(rings: MetricRings, pool: readonly PoolService[], at: number): void {
  for (const svc of pool) {
    if (svc.stats) rings.push(serviceGraphKey(svc), at, svc.stats.inPkts + svc.stats.outPkts);
    for (const rs of svc.realServers)
      if (rs.stats) rings.push(serverGraphKey(svc, rs.address), at, rs.stats.inPkts + rs.stats.outPkts);
  }
  // A real server or service gone for more than a step is no longer graphed.
  rings.prune(at - 3 * 60_000);
}

export function graphsOf(rings: MetricRings): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const k of rings.metrics()) out[k] = rates(rings.samples(k)).map((s) => [s.at, Math.round(s.value * 100) / 100]);
  return out;
}
