/**
 * Kernel module signatures. Debian signs every module; the kernel checks an appended signature at
 * each load (a SHA-256 of the module and an RSA verification), about 25 ms a module under
 * emulation, some 0.8 s of a director's boot. The check protects nothing on this appliance: the
 * kernel enforces signatures only under UEFI Secure Boot, and pillars' GRUB and iPXE images are
 * not signed for it, so the box never boots with Secure Boot on, and without enforcement an
 * unsigned module loads anyway. The image keeps the modules without their signatures; the kernel
 * then marks itself tainted ("E", unsigned module) at the first load, and says so once in its log.
 */

const MAGIC = Buffer.from('~Module signature appended~\n');
/** struct module_signature: algo, hash, id_type, signer_len, key_id_len, 3 bytes pad, sig_len (be32). */
const INFO_BYTES = 12;

/**
 * The module without its appended signature (the same bytes when it has none). Throws on a
 * signature trailer that does not fit the file. Pure.
 */
export function stripModuleSignature(module: Buffer): Buffer {
  if (module.length < MAGIC.length || !module.subarray(module.length - MAGIC.length).equals(MAGIC)) return module;
  const info = module.length - MAGIC.length - INFO_BYTES;
  if (info < 0) throw new Error('module signature trailer is cut short');
  const sigLen = module.readUInt32BE(info + 8);
  const end = info - sigLen;
  if (end < 0) throw new Error(`module signature of ${sigLen} bytes is longer than the module`);
  return module.subarray(0, end);
}
