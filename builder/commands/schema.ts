/** `pillars schema`: the JSON Schema of pillars.yaml (or its markdown reference), from the declarations. */
import type { Command } from './command.js';
import { EXIT } from '../errors.js';
import { noPositionals, parseCli } from './args.js';
import { configSchema } from '../../overlay/config/schema.js';
import { configReference } from '../../overlay/config/reference.js';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of pillars.yaml (for editors), or its markdown reference',
  help: `usage: pillars schema [--markdown]

Prints the JSON Schema (draft-07) of the stick config pillars.yaml, generated from the same
declarations the validator uses. Starter configs carry the modeline
  # yaml-language-server: $schema=pillars.schema.json
and \`pillars stick init\` puts the schema next to pillars.yaml, so editors complete and check keys.

options:
  --markdown   print the key reference instead (docs/config-reference.md)

exit codes: 0 ok, 2 usage`,
  async run(argv, ctx) {
    const { values, positionals } = parseCli(argv, { markdown: { type: 'boolean' } }, 'run `pillars schema --help`');
    noPositionals(positionals, 'run `pillars schema --help`');
    ctx.stdout(values.markdown ? configReference() : JSON.stringify(configSchema(), null, 2));
    return EXIT.ok;
  },
};
