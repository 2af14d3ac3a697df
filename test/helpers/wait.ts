/** Waiting in lab tests: a bounded poll until a check holds. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `f` every `stepMs` until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  f: () => T | undefined | false | Promise<T | undefined | false>,
  stepMs = 200,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < end; i++) {
    const v = await f();
    if (v) return v;
    await sleep(stepMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
