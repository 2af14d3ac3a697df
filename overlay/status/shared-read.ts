/**
 * One read shared by everyone who asks within a short window. The page's live updates, a metrics
 * scrape, the peer's fetch of this node's snapshot and the sampler can all ask for the same
 * counters within a second; on a director with a large connection table each read streams all of
 * /proc/net/ip_vs_conn_sync, and each conntrackd read runs conntrackd twice. Callers that arrive
 * while a read is running get that read; a result is reused for `ttlMs` after it arrived. A failed
 * read is not kept. Pure apart from the clock it is given.
 */
export function sharedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let kept: { value: T; at: number } | undefined;
  return () => {
    if (kept && now() - kept.at < ttlMs) return Promise.resolve(kept.value);
    if (pending) return pending;
    const p = read().then(
      (value) => {
        kept = { value, at: now() };
        pending = undefined;
        return value;
      },
      (e: unknown) => {
        pending = undefined;
        throw e;
      },
    );
    pending = p;
    return p;
  };
}
