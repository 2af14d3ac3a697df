/**
 * Errors a user can act on. Anything thrown as a UserError is printed as one line plus a hint;
 * anything else is a bug and shows its stack only with --debug.
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UserError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  failed: 1, // the work failed (invalid config, build failure, failed drill)
  usage: 2, // the command line was wrong
  io: 3, // a file or device could not be read or written
  interrupted: 130,
} as const;
