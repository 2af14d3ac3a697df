import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, sha256File, sha256Parts } from '../../../overlay/config/hash.js';
import { hashOf } from '../../../builder/plan.js';

describe('sha256', () => {
  it('hashes text as UTF-8 and bytes as they are', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256('grüß')).toBe('0be03191333143d96baa686cb1084f775f1d73d7d580b35367694594f4904c48');
    expect(sha256(Buffer.from('grüß', 'utf8'))).toBe(sha256('grüß'));
  });

  it('parts are separated, so moving a boundary changes the hash', () => {
    expect(sha256Parts(['a', 'bc'])).toBe('aa795aa4bbb6117911ef062e271bcb05ccfd58ea439da7d46a44e3a3fcefa790');
    expect(sha256Parts(['ab', 'c'])).not.toBe(sha256Parts(['a', 'bc']));
  });

  it('a file hashes like its contents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillars-hash-'));
    try {
      const body = Buffer.alloc(200_000, 'x');
      writeFileSync(join(dir, 'f'), body);
      expect(await sha256File(join(dir, 'f'))).toBe(sha256(body));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cache keys are unchanged by the move to the shared helper (cached stages stay valid)', () => {
    expect(hashOf('rootfs', 1, ['a', 'b'])).toBe('872306600ab2a12b4805');
  });
});
