/** Every `pillars` subcommand, in the order --help lists them. */
import type { Command } from './command.js';
import { buildCommand } from './build.js';

export const commands: readonly Command[] = [buildCommand];
