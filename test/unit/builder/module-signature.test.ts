import { describe, expect, it } from 'vitest';
import { stripModuleSignature } from '../../../builder/stages/module-signature.js';

const MAGIC = Buffer.from('~Module signature appended~\n');

/** A module as sign-file writes it: the ELF, the PKCS#7 signature, its info block, the magic. */
function signed(body: Buffer, sigLen: number): Buffer {
  const info = Buffer.alloc(12);
  info[2] = 2; // PKEY_ID_PKCS7
  info.writeUInt32BE(sigLen, 8);
  return Buffer.concat([body, Buffer.alloc(sigLen, 0xa5), info, MAGIC]);
}

describe('module signatures (the image keeps modules unsigned)', () => {
  const body = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(1000, 7)]);

  it('cuts the appended signature, leaving the module byte for byte', () => {
    expect(stripModuleSignature(signed(body, 573)).equals(body)).toBe(true);
  });

  it('leaves an unsigned module as it is', () => {
    expect(stripModuleSignature(body)).toBe(body);
    expect(stripModuleSignature(Buffer.alloc(0)).length).toBe(0);
  });

  it('refuses a trailer that does not fit the file', () => {
    const bad = signed(body, 573);
    bad.writeUInt32BE(1 << 20, bad.length - MAGIC.length - 4);
    expect(() => stripModuleSignature(bad)).toThrow(/longer than the module/);
    expect(() => stripModuleSignature(Buffer.concat([Buffer.alloc(3), MAGIC]))).toThrow(/cut short/);
  });
});
