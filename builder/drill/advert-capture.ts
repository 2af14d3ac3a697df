/**
 * Captures the VRRP adverts on one lab segment with tcpdump (inside the lab namespace, on the
 * segment's bridge, which every node's adverts cross) and tallies the gaps between them.
 */
import { createInterface } from 'node:readline';
import type { Lab } from '../vm/lab.js';
import { AdvertGaps, parseAdvertLine } from './advert-gaps.js';

/** VRRP only (IP protocol 112), no promiscuous mode, the kernel's nanosecond stamps. Pure. */
export function advertCaptureArgs(bridge: string): string[] {
  return ['-i', bridge, '-n', '-l', '-p', '-tt', '--time-stamp-precision=nano', 'ip proto 112'];
}

/** How long tcpdump may take to say it listens. */
const LISTEN_TIMEOUT_MS = 15_000;

/** Starts the capture; resolves once tcpdump listens. `stop()` ends it and gives the tally. */
export async function captureAdverts(lab: Lab, segment: string): Promise<{ stop(): Promise<AdvertGaps> }> {
  const d = lab.spawn('tcpdump', advertCaptureArgs(lab.segment(segment).bridge));
  const gaps = new AdvertGaps();
  const lines = createInterface({ input: d.child.stdout! });
  lines.on('line', (l) => {
    const a = parseAdvertLine(l);
    if (a) gaps.add(a);
  });
  const closed = new Promise<void>((r) => lines.once('close', r));
  let stderr = '';
  let exited: number | undefined;
  void d.exited.then((c) => (exited = c));
  d.child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (!/listening on/.test(stderr)) {
    if (exited !== undefined || Date.now() > deadline) {
      d.kill();
      throw new Error(
        `tcpdump on ${segment} did not start capturing${exited !== undefined ? ` (exit ${exited})` : ' within 15 s'}: ${stderr.trim() || 'no output'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      d.kill('SIGTERM');
      await d.exited;
      await closed;
      return gaps;
    },
  };
}
