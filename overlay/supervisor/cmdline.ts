/**
 * The kernel command line (/proc/cmdline) as pillars reads it. Only `pillars.*` keys and
 * `console=` matter here; unknown `pillars.*` keys are warnings, because a typo in a boot entry
 * must not silently change where the config comes from.
 *
 *   pillars.config=LABEL=PILLARS | UUID=1234-ABCD | /dev/sdb1 | none   where the config lives
 *   pillars.node=NAME                                              which node of the config this is
 *   pillars.stickwait=SECONDS                                      how long to wait for a slow stick
 *   pillars.slowstick                                              the "slow stick" boot entry (longer wait)
 *   pillars.debug                                                  verbose console, stack traces
 *   pillars.test=FLAG[,FLAG…]                                      test-only switches (never in production entries)
 *   console=tty0 console=ttyS0,115200n8                           where the console goes (last one is /dev/console)
 */

export type ConfigLocator =
  | { kind: 'label'; label: string }
  | { kind: 'uuid'; uuid: string }
  | { kind: 'device'; path: string }
  /** Explicitly no config: boot into the safe state. */
  | { kind: 'none' }
  | { kind: 'invalid'; raw: string; message: string };

export interface BootParams {
  config?: ConfigLocator;
  node?: string;
  stickWaitMs: number;
  slowStick: boolean;
  /** console= values in order, e.g. ['tty0', 'ttyS0,115200n8']. */
  consoles: string[];
  /** Device paths of those consoles, e.g. ['/dev/tty0', '/dev/ttyS0']. */
  consoleDevices: string[];
  debug: boolean;
  test: string[];
  warnings: string[];
}

export const DEFAULT_STICK_WAIT_MS = 5000;
export const SLOW_STICK_WAIT_MS = 30_000;
export const MAX_STICK_WAIT_MS = 600_000;

const KNOWN = new Set(['config', 'node', 'stickwait', 'slowstick', 'debug', 'test']);
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Split like the kernel does: whitespace separates, double quotes group and are removed. */
export function tokenizeCmdline(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let any = false;
  for (const ch of text) {
    if (ch === '"') {
      inQuote = !inQuote;
      any = true;
    } else if (!inQuote && /\s/.test(ch)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any) out.push(cur);
  return out;
}

export function parseConfigLocator(raw: string): ConfigLocator {
  const v = raw.trim();
  if (v === 'none') return { kind: 'none' };
  const m = /^(LABEL|UUID)=(.+)$/i.exec(v);
  if (m) {
    const value = m[2]!;
    return m[1]!.toUpperCase() === 'LABEL' ? { kind: 'label', label: value } : { kind: 'uuid', uuid: value };
  }
  if (/^\/dev\/[A-Za-z0-9._/-]+$/.test(v) && !v.includes('..')) return { kind: 'device', path: v };
  return {
    kind: 'invalid',
    raw,
    message: `pillars.config=${raw}: expected LABEL=NAME, UUID=ID, /dev/DEVICE or none`,
  };
}

export function describeLocator(loc: ConfigLocator): string {
  switch (loc.kind) {
    case 'label':
      return `LABEL=${loc.label}`;
    case 'uuid':
      return `UUID=${loc.uuid}`;
    case 'device':
      return loc.path;
    case 'none':
      return 'none';
    case 'invalid':
      return loc.raw;
  }
}

function consoleDevice(value: string): string {
  const name = value.split(',')[0]!;
  return name.startsWith('/dev/') ? name : `/dev/${name}`;
}

export function parseCmdline(text: string): BootParams {
  const params: BootParams = {
    stickWaitMs: DEFAULT_STICK_WAIT_MS,
    slowStick: false,
    consoles: [],
    consoleDevices: [],
    debug: false,
    test: [],
    warnings: [],
  };
  let explicitWait: number | undefined;
  for (const tok of tokenizeCmdline(text)) {
    const eq = tok.indexOf('=');
    const key = eq < 0 ? tok : tok.slice(0, eq);
    const value = eq < 0 ? undefined : tok.slice(eq + 1);
    if (key === 'console' && value) {
      params.consoles.push(value);
      const dev = consoleDevice(value);
      if (!params.consoleDevices.includes(dev)) params.consoleDevices.push(dev);
      continue;
    }
    if (!key.startsWith('pillars.')) continue;
    const sub = key.slice('pillars.'.length);
    if (!KNOWN.has(sub)) {
      params.warnings.push(
        `unknown kernel parameter ${key} (known: ${[...KNOWN].map((k) => 'pillars.' + k).join(', ')})`,
      );
      continue;
    }
    switch (sub) {
      case 'config':
        params.config =
          value === undefined || value === ''
            ? { kind: 'invalid', raw: '', message: 'pillars.config needs a value' }
            : parseConfigLocator(value);
        break;
      case 'node':
        if (value && NODE_NAME.test(value)) params.node = value;
        else params.warnings.push(`pillars.node=${value ?? ''}: not a node name (letters, digits, . _ -); ignored`);
        break;
      case 'stickwait': {
        const secs = value === undefined ? NaN : Number(value);
        if (
          value !== undefined &&
          value.trim() !== '' &&
          Number.isFinite(secs) &&
          secs >= 0 &&
          secs * 1000 <= MAX_STICK_WAIT_MS
        ) {
          explicitWait = Math.round(secs * 1000);
        } else {
          params.warnings.push(
            `pillars.stickwait=${value ?? ''}: expected seconds between 0 and ${MAX_STICK_WAIT_MS / 1000}; ignored`,
          );
        }
        break;
      }
      case 'slowstick':
        params.slowStick = value === undefined || !['0', 'no', 'false'].includes(value);
        break;
      case 'debug':
        params.debug = value === undefined || !['0', 'no', 'false'].includes(value);
        break;
      case 'test':
        for (const f of (value ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!params.test.includes(f)) params.test.push(f);
        }
        break;
    }
  }
  params.stickWaitMs = explicitWait ?? (params.slowStick ? SLOW_STICK_WAIT_MS : DEFAULT_STICK_WAIT_MS);
  return params;
}
