#!/usr/bin/env node
// Entry point of the `pillars` command; the code lives in dist/ (compiled from builder/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/builder/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'pillars: not compiled yet\nhint: run `npm ci` (or `npm run build:ts`) in the pillars checkout first\n',
  );
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
