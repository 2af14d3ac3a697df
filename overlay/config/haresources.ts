/**
 * heartbeat's haresources grammar (v1, as ResourceManager reads it): one line per group,
 * "<node> <resource> <resource>…", whitespace separated, `#` to the end of a line is a comment and
 * a trailing backslash continues a line. A resource is `name` or `name::arg::arg…`; a word that
 * starts with a digit is an address, short for IPaddr::word. Pure; shared by the validator, the
 * renderer and the check of the rendered file.
 */
import { parseIp, type Ip } from './net.js';

export interface HaResource {
  /** Script name (IPaddr for a bare address). */
  name: string;
  args: string[];
  /** The word as written. */
  text: string;
}

export interface HaResourceLine {
  node: string;
  resources: HaResource[];
}

export function parseResourceWord(word: string): HaResource {
  if (/^[0-9]/.test(word)) return { name: 'IPaddr', args: [word], text: word };
  const [name = '', ...args] = word.split('::');
  return { name, args, text: word };
}

/** The words of one haresources line. */
export function parseResourceLine(line: string): HaResourceLine | undefined {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [node, ...rest] = words;
  if (!node || rest.length === 0) return undefined;
  return { node, resources: rest.map(parseResourceWord) };
}

export interface IpResource {
  ip: Ip;
  address: string;
  prefix?: number;
  interface?: string;
}

/** An IPaddr/IPaddr2 resource's "address[/prefix[/interface[/broadcast]]]", or undefined for other resources. */
export function ipResource(r: HaResource): IpResource | undefined | 'unreadable' {
  if (r.name !== 'IPaddr' && r.name !== 'IPaddr2') return undefined;
  const m = /^([0-9a-fA-F.:]+?)(?:\/(\d+))?(?:\/([A-Za-z][A-Za-z0-9_.-]*))?(?:\/[0-9.]+)?$/.exec(r.args[0] ?? '');
  const ip = m ? parseIp(m[1]!) : undefined;
  if (!m || !ip) return 'unreadable';
  return { ip, address: m[1]!, prefix: m[2] === undefined ? undefined : Number(m[2]), interface: m[3] };
}

/** Logical lines of an haresources file: comments removed, backslash continuations joined, blank lines dropped; each with its first physical line number. */
export function haresourcesLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let acc = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const noComment = raw.replace(/#.*$/, '');
    if (acc === '') start = i + 1;
    if (/\\\s*$/.test(noComment)) {
      acc += noComment.replace(/\\\s*$/, ' ');
      return;
    }
    acc += noComment;
    if (acc.trim() !== '') out.push({ line: start, text: acc.trim() });
    acc = '';
  });
  if (acc.trim() !== '') out.push({ line: start, text: acc.trim() });
  return out;
}
