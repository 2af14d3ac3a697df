/**
 * Ctrl-C and SIGTERM while a lab is alive: dispose every live lab, then exit 130 (143 for
 * SIGTERM). Process signals are process-global, so this is the one piece of module-level state
 * in the lab code; handlers are installed only while at least one lab is registered.
 */

export interface CleanupEntry {
  /** Full asynchronous cleanup (namespaces, processes, files). */
  dispose(): Promise<void>;
  /** Last resort at process exit: synchronous kills only (no commands can run any more). */
  killNow(): void;
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
/** Upper bound for cleanup on a signal before the process exits anyway. */
export const SIGNAL_CLEANUP_LIMIT_MS = 30_000;

const live = new Set<CleanupEntry>();
let exiting = false;

function onSignal(signal: keyof typeof SIGNAL_EXIT): void {
  if (exiting) return; // a second Ctrl-C while cleaning up: keep cleaning, the limit below still holds
  exiting = true;
  process.stderr.write(`\npillars: ${signal}: cleaning up ${live.size} lab(s)…\n`);
  const all = Promise.allSettled([...live].map((e) => e.dispose()));
  const limit = new Promise((r) => setTimeout(r, SIGNAL_CLEANUP_LIMIT_MS).unref());
  void Promise.race([all, limit]).finally(() => process.exit(SIGNAL_EXIT[signal]));
}

function onExit(): void {
  for (const e of live) {
    try {
      e.killNow();
    } catch {
      /* nothing more can be done at exit */
    }
  }
}

const handlers = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
  SIGHUP: () => onSignal('SIGHUP'),
};

/** Register a lab for cleanup on signals and exit; returns the function that unregisters it. */
export function registerCleanup(entry: CleanupEntry): () => void {
  if (live.size === 0) {
    for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
    process.on('exit', onExit);
  }
  live.add(entry);
  return () => {
    if (!live.delete(entry)) return;
    if (live.size === 0) {
      for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
      process.off('exit', onExit);
    }
  };
}
