/**
 * The ACPI power button as Linux delivers it: key events on /dev/input/event* (struct
 * input_event). QEMU's `system_powerdown` presses it. The parser is pure; the watcher reads every
 * event device whose capabilities include KEY_POWER.
 */
import { createReadStream, readdirSync, readFileSync, type ReadStream } from 'node:fs';

export const EV_KEY = 1;
export const KEY_POWER = 116;
/** sizeof(struct input_event) on 64-bit Linux: struct timeval (16) + type, code (2+2) + value (4). */
export const INPUT_EVENT_SIZE = 24;

export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

/** Split a buffer into whole events; the remainder (a partial event) is returned for the next read. */
export function parseInputEvents(buf: Buffer): { events: InputEvent[]; rest: Buffer } {
  const events: InputEvent[] = [];
  let off = 0;
  while (off + INPUT_EVENT_SIZE <= buf.length) {
    events.push({
      type: buf.readUInt16LE(off + 16),
      code: buf.readUInt16LE(off + 18),
      value: buf.readInt32LE(off + 20),
    });
    off += INPUT_EVENT_SIZE;
  }
  return { events, rest: buf.subarray(off) };
}

/** A press (value 1) of KEY_POWER. */
export function isPowerPress(e: InputEvent): boolean {
  return e.type === EV_KEY && e.code === KEY_POWER && e.value === 1;
}

/**
 * Does a device's key capability bitmap (/sys/class/input/eventN/device/capabilities/key, hex
 * words, most significant first, each a `long`) include KEY_POWER?
 */
export function hasPowerKey(keyCaps: string, bitsPerWord = 64): boolean {
  const words = keyCaps.trim().split(/\s+/).reverse();
  const word = Math.floor(KEY_POWER / bitsPerWord);
  const bit = KEY_POWER % bitsPerWord;
  const w = words[word];
  if (w === undefined) return false;
  return ((BigInt('0x' + w) >> BigInt(bit)) & 1n) === 1n;
}

/** Watch power-button devices; returns a stop function. */
export function watchPowerButton(onPress: () => void, log: (line: string) => void = () => undefined): () => void {
  const streams: ReadStream[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/input').filter((n) => /^event\d+$/.test(n));
  } catch {
    /* no input devices */
  }
  for (const n of names) {
    let caps = '';
    try {
      caps = readFileSync(`/sys/class/input/${n}/device/capabilities/key`, 'utf8');
    } catch {
      continue;
    }
    if (!hasPowerKey(caps)) continue;
    const s = createReadStream(`/dev/input/${n}`);
    let rest: Buffer = Buffer.alloc(0);
    s.on('data', (chunk) => {
      const parsed = parseInputEvents(Buffer.concat([rest, chunk as Buffer]));
      rest = parsed.rest;
      if (parsed.events.some(isPowerPress)) onPress();
    });
    s.on('error', (err) => log(`power button ${n}: ${err.message}`));
    streams.push(s);
    log(`power button on /dev/input/${n}`);
  }
  return () => streams.forEach((s) => s.destroy());
}
