/** The shape every `pillars` subcommand has: a name, a one-line summary, a --help text, and run(). */
import type { Logger } from '../log.js';

export interface CommandContext {
  log: Logger;
  stdout: (text: string) => void;
  debug: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Full --help text (usage line, options, examples, exit codes). */
  help: string;
  /** Returns the process exit code. Throws UserError for user mistakes. */
  run(argv: string[], ctx: CommandContext): Promise<number>;
}
