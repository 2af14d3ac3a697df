/**
 * A test-only control channel on the serial console, enabled by the kernel parameter
 * `pillars.test=ctlserial` and by nothing else. Production boot entries never carry it: without
 * it the supervisor does not read from any console at all.
 *
 * The host writes `@pt-run ID BASE64(shell command)` lines to the VM's serial port; the supervisor
 * runs the command with `sh -c` and answers `@pt-ret ID EXIT BASE64(output)` on the same port.
 * Integration tests use it to run `pillarsctl`, `nft list ruleset`, `kill -9`… inside the VM.
 */
import { createReadStream, closeSync, openSync, writeSync } from 'node:fs';
import { createLineSplitter } from './ring.js';
import { exec, BUSYBOX } from '../system/exec.js';

export const TEST_FLAG = 'ctlserial';

export function parseRunLine(line: string): { id: string; command: string } | undefined {
  const m = /@pt-run (\w+) ([A-Za-z0-9+/=]+)\s*$/.exec(line);
  if (!m) return undefined;
  return { id: m[1]!, command: Buffer.from(m[2]!, 'base64').toString('utf8') };
}

export function formatReturn(id: string, code: number, output: string): string {
  return `@pt-ret ${id} ${code} ${Buffer.from(output, 'utf8').toString('base64')}`;
}

export function startTestChannel(device: string, log: (line: string) => void): void {
  void exec([BUSYBOX, 'stty', '-F', device, '-echo', 'icanon', 'icrnl']).then((r) => {
    if (r.code !== 0) log(`test channel: stty failed: ${r.stderr.trim()}`);
  });
  const reply = (line: string) => {
    try {
      const fd = openSync(device, 'w');
      try {
        writeSync(fd, `\r\n${line}\r\n`);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      log(`test channel: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const split = createLineSplitter((line) => {
    const req = parseRunLine(line);
    if (!req) return;
    void exec([BUSYBOX, 'sh', '-c', `${req.command} 2>&1`], { timeoutMs: 120_000 }).then((r) =>
      reply(formatReturn(req.id, r.code, r.stdout + r.stderr)),
    );
  });
  const stream = createReadStream(device, { encoding: 'utf8' });
  stream.on('data', (d) => split.write(d as string));
  stream.on('error', (err) => log(`test channel: ${err.message}`));
  log(`pillars: TEST BOOT — control channel on ${device} (pillars.test=${TEST_FLAG}); never use this in production`);
}
