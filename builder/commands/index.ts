/** Every `pillars` subcommand, in the order --help lists them. */
import type { Command } from './command.js';
import { buildCommand } from './build.js';
import { verifyCommand } from './verify.js';
import { doctorCommand } from './doctor.js';
import { runCommand } from './run.js';
import { drillCommand } from './drill.js';
import { stickCommand } from './stick.js';
import { schemaCommand } from './schema.js';

export const commands: readonly Command[] = [
  buildCommand,
  verifyCommand,
  doctorCommand,
  runCommand,
  drillCommand,
  stickCommand,
  schemaCommand,
];
