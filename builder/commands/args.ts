/**
 * The one argument parser of the `pillars` commands: node:util parseArgs, strict, with its errors
 * turned into one-line usage errors (exit 2) and a hint. A negative number (`stick set x -5`) is a
 * value, not an option.
 */
import { parseArgs } from 'node:util';
import { UserError, EXIT } from '../errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
}
export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed values, typed by each option's declared type. */
export type OptionValues<T extends OptionSpecs> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

export interface ParsedCli<T extends OptionSpecs> {
  values: OptionValues<T>;
  positionals: string[];
}

const NEGATIVE_NUMBER = /^-\d/;
const MASK = '\0arg';

/** parseArgs's messages, shortened to what a user needs. Pure. */
export function usageMessage(err: Error & { code?: string }): string {
  // "Option '-s, --stick <value>' argument missing" names the long form last.
  const name = /'(?:-\w, )?(--?[^' ,]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && name) return `unknown option ${name}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name && /argument missing/.test(err.message))
    return `${name} needs a value`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name && /does not take an argument/.test(err.message))
    return `${name} takes no value`;
  return err.message;
}

export function parseCli<T extends OptionSpecs>(argv: readonly string[], options: T, usage: string): ParsedCli<T> {
  // parseArgs takes "-5" for an option; hide negative numbers from it and put them back after.
  const masked = argv.map((a, i) => (NEGATIVE_NUMBER.test(a) ? `${MASK}${i}` : a));
  const unmask = (v: string): string => (v.startsWith(MASK) ? argv[Number(v.slice(MASK.length))]! : v);
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: masked, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(usageMessage(e as Error), { hint: usage, exitCode: EXIT.usage });
  }
  const values: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'string') values[k] = unmask(v);
    else if (typeof v === 'boolean') values[k] = v;
  }
  return { values: values as OptionValues<T>, positionals: parsed.positionals.map(unmask) };
}

/** Refuse positional arguments for a command that takes none. */
export function noPositionals(positionals: readonly string[], usage: string): void {
  if (positionals.length)
    throw new UserError(`unexpected argument '${positionals[0]}'`, { hint: usage, exitCode: EXIT.usage });
}
