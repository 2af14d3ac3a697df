import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type PillarsConfig } from '../../../overlay/config/index.js';
import { loginServices, shadowWithRoot } from '../../../overlay/system/admin.js';

const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');
const HASH = '$6$abcdefgh$' + 'x'.repeat(86);
function config(withHash: boolean): PillarsConfig {
  const text = withHash ? starter.replace(/^admin:\n/m, `admin:\n  console_password_hash: "${HASH}"\n`) : starter;
  const r = loadConfig(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

describe('console login', () => {
  it('no hash: root locked, no getty at all', () => {
    expect(shadowWithRoot('root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n', undefined)).toBe(
      'root:!:0:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
    );
    expect(loginServices(config(false), { serialBusy: false })).toEqual([]);
  });

  it('with the hash: root gets it, getty on tty1 and the serial console', () => {
    expect(shadowWithRoot('', HASH)).toBe(`root:${HASH}:0:0:99999:7:::\n`);
    const s = loginServices(config(true), { serialBusy: false });
    expect(s.map((x) => x.name)).toEqual(['login-tty1', 'login-ttyS0']);
    expect(s[1]!.command).toEqual([
      '/usr/bin/busybox',
      'getty',
      '-l',
      '/usr/lib/pillars/login',
      '-L',
      '115200',
      'ttyS0',
      'vt100',
    ]);
  });

  it('a test boot keeps the serial port for the test channel', () => {
    expect(loginServices(config(true), { serialBusy: true }).map((x) => x.name)).toEqual(['login-tty1']);
  });
});
