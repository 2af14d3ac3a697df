import { describe, expect, it } from 'vitest';
import {
  EV_KEY,
  hasPowerKey,
  INPUT_EVENT_SIZE,
  isPowerPress,
  KEY_POWER,
  parseInputEvents,
} from '../../../overlay/system/power-button.js';

function event(type: number, code: number, value: number): Buffer {
  const b = Buffer.alloc(INPUT_EVENT_SIZE);
  b.writeUInt16LE(type, 16);
  b.writeUInt16LE(code, 18);
  b.writeInt32LE(value, 20);
  return b;
}

describe('input events', () => {
  it('parses whole events and keeps a partial one for the next read', () => {
    const buf = Buffer.concat([
      event(EV_KEY, KEY_POWER, 1),
      event(0, 0, 0),
      event(EV_KEY, KEY_POWER, 0).subarray(0, 10),
    ]);
    const { events, rest } = parseInputEvents(buf);
    expect(events).toEqual([
      { type: EV_KEY, code: KEY_POWER, value: 1 },
      { type: 0, code: 0, value: 0 },
    ]);
    expect(rest.length).toBe(10);
  });

  it('a press of KEY_POWER, not its release or another key', () => {
    expect(isPowerPress({ type: EV_KEY, code: KEY_POWER, value: 1 })).toBe(true);
    expect(isPowerPress({ type: EV_KEY, code: KEY_POWER, value: 0 })).toBe(false);
    expect(isPowerPress({ type: EV_KEY, code: 30, value: 1 })).toBe(false);
  });

  it('reads the KEY_POWER bit from the capability bitmap', () => {
    // The ACPI power button: only bit 116 set (word 1, bit 52).
    expect(hasPowerKey('10000000000000 0')).toBe(true);
    // A keyboard without a power key.
    expect(hasPowerKey('0 fffffffffffffffe')).toBe(false);
    expect(hasPowerKey('0')).toBe(false);
  });
});
