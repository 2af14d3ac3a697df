/**
 * The boot timeline of one boot, from its console (booted with `pillars.debug`): kernel-clock
 * seconds of each milestone. The supervisor reports the first moments itself (/init from the
 * kernel log, Node's start, the supervisor's main, early boot done) and how long each early-boot
 * step took; later lines are placed on the kernel clock through the ready line, which carries
 * both clocks (under TCG the guest clock follows the host's). Pure.
 */
export interface TimedLine {
  /** Milliseconds since the VM started (host clock). */
  t: number;
  text: string;
}

export interface Milestone {
  name: string;
  /** Kernel-clock seconds. */
  at: number;
}

const READY = /pillars: ready in (\d+\.\d+)s/;
const STARTUP = /pillars: debug: timeline: \/init (\S+)s, node (\S+)s, supervisor (\S+)s, early boot done (\S+)s/;
const STEP = /^pillars: boot: [✓!✗] (.+?)(?::.*)? \((\d+) ms\)$/;

/** Host-timed lines whose first match is a milestone. */
const LATER: ReadonlyArray<[string, RegExp]> = [
  ['firewall closed (safe state first)', /^pillars: firewall closed/],
  ['config found and validated', /^pillars: (config from|no config|config error)/],
  ['link phase up (network)', /^pillars: debug: link phase up/],
  ['other phases checked and applied', /^pillars: debug: applying the other phases/],
];

export function bootTimeline(lines: readonly TimedLine[]): Milestone[] {
  const ready = lines.find((l) => READY.test(l.text));
  if (!ready) throw new Error('no ready line in the console');
  const readyAt = Number(READY.exec(ready.text)![1]);
  const kernelAt = (l: TimedLine) => Math.round((readyAt - (ready.t - l.t) / 1000) * 100) / 100;
  const out: Milestone[] = [];
  const startup = lines.map((l) => STARTUP.exec(l.text)).find((m) => m);
  if (startup) {
    const [init, node, main] = [startup[1]!, startup[2]!, startup[3]!].map(Number) as [number, number, number];
    if (Number.isFinite(init)) out.push({ name: 'kernel → /init', at: init });
    out.push({ name: 'node started', at: node });
    out.push({ name: 'supervisor main (bundle loaded)', at: main });
    let at = main;
    for (const l of lines) {
      const m = STEP.exec(l.text);
      if (!m) continue;
      at += Number(m[2]) / 1000;
      out.push({ name: `early boot: ${m[1]}`, at: Math.round(at * 100) / 100 });
    }
  }
  for (const [name, re] of LATER) {
    const l = lines.find((x) => re.test(x.text));
    if (l) out.push({ name, at: kernelAt(l) });
  }
  out.push({ name: 'ready', at: readyAt });
  return out;
}

/** Per milestone name (in the first boot's order), the median over boots. Pure. */
export function medianTimeline(boots: readonly Milestone[][]): Array<Milestone & { n: number }> {
  const names = boots[0]?.map((m) => m.name) ?? [];
  return names.map((name) => {
    const xs = boots
      .map((b) => b.find((m) => m.name === name)?.at)
      .filter((x): x is number => x !== undefined)
      .sort((a, b) => a - b);
    const mid = Math.floor(xs.length / 2);
    const at = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
    return { name, at: Math.round(at * 100) / 100, n: xs.length };
  });
}

/** "  3.21 s  (+0.45)  name" lines. Pure. */
export function formatTimeline(t: ReadonlyArray<Milestone>): string[] {
  let prev = 0;
  return t.map((m) => {
    const line = `${m.at.toFixed(2).padStart(6)} s  (+${(m.at - prev).toFixed(2)})  ${m.name}`;
    prev = m.at;
    return line;
  });
}
