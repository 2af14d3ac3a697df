/**
 * The one sha256 helper, for both sides: the builder (cache keys, artifact checksums) and the
 * image (stick generations, the config checksum on the console). It lives beside the config
 * model because the builder may import overlay/config, never the other way round.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a string (as UTF-8) or bytes, in lowercase hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 of a sequence of parts, each followed by a NUL byte, so that ['ab', 'c'] and ['a', 'bc']
 * differ. For cache keys over several inputs.
 */
export function sha256Parts(parts: Iterable<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** sha256 of a file's contents, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
