/**
 * Put a file into a lab guest over the serial test channel: the channel carries commands of at
 * most 4095 bytes, so the text goes as base64 in 1500-byte pieces appended to `<path>.b64`, then
 * decoded in place. `run` runs one shell command in the guest and fails the test when it fails.
 */
export const PIECE = 1500;

export async function putGuestFile(
  run: (command: string) => Promise<unknown>,
  path: string,
  text: string,
): Promise<void> {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  await run(`rm -f ${path}.b64`);
  for (let i = 0; i < b64.length; i += PIECE) await run(`printf %s '${b64.slice(i, i + PIECE)}' >> ${path}.b64`);
  await run(`base64 -d ${path}.b64 > ${path} && rm -f ${path}.b64`);
}
