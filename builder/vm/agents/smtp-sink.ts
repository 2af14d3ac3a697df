/**
 * Lab agent: a minimal SMTP sink for alert tests. argv: [PORT [BIND]]. Accepts any mail and prints
 * one JSON line per message {"from","to":[…],"subject","body"}; prints {"listening":PORT} when
 * ready. The dialogue is a pure step function (smtpStep) so it is tested without sockets.
 */
import { createServer } from 'node:net';
import { emit, isMain, LineSplitter, onStop } from './common.js';
import type { Mail } from '../scripts.js';

export interface SmtpState {
  from: string;
  to: string[];
  /** The message lines while in DATA, else null. */
  data: string[] | null;
}

export interface SmtpStep {
  next: SmtpState;
  /** Reply lines to send (without CRLF). */
  replies: string[];
  /** A complete message, when this line ended one. */
  mail?: Mail;
  /** Close the connection after the replies (QUIT). */
  close?: boolean;
}

export const SMTP_GREETING = '220 pillars-lab SMTP sink';
export const initialSmtpState = (): SmtpState => ({ from: '', to: [], data: null });

const address = (line: string): string => /<([^>]*)>/.exec(line)?.[1] ?? '';

/** The message a DATA section carries: subject from its header, body after the blank line. Pure. */
export function messageOf(state: SmtpState, lines: readonly string[]): Mail {
  const text = lines.join('\n');
  const sep = text.indexOf('\n\n');
  const head = sep >= 0 ? text.slice(0, sep) : text;
  const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  return { from: state.from, to: state.to, subject, body: sep >= 0 ? text.slice(sep + 2) : '' };
}

/** One line from the client (without CR/LF) → the next state and what to answer. Pure. */
export function smtpStep(state: SmtpState, line: string): SmtpStep {
  if (state.data !== null) {
    if (line === '.') return { next: initialSmtpState(), replies: ['250 queued'], mail: messageOf(state, state.data) };
    return { next: { ...state, data: [...state.data, line.startsWith('..') ? line.slice(1) : line] }, replies: [] };
  }
  switch (line.slice(0, 4).toUpperCase()) {
    case 'HELO':
    case 'EHLO':
      return { next: state, replies: ['250 pillars-lab'] };
    case 'MAIL':
      return { next: { ...state, from: address(line) }, replies: ['250 ok'] };
    case 'RCPT':
      return { next: { ...state, to: [...state.to, address(line)] }, replies: ['250 ok'] };
    case 'DATA':
      return { next: { ...state, data: [] }, replies: ['354 end with .'] };
    case 'QUIT':
      return { next: state, replies: ['221 bye'], close: true };
    case 'RSET':
      return { next: initialSmtpState(), replies: ['250 ok'] };
    default:
      return { next: state, replies: ['250 ok'] };
  }
}

export function main(argv: readonly string[]): void {
  const port = Number(argv[0] || 25);
  const server = createServer((sock) => {
    const lines = new LineSplitter();
    let state = initialSmtpState();
    const say = (l: string) => sock.write(l + '\r\n');
    say(SMTP_GREETING);
    sock.on('data', (d: Buffer) => {
      for (const raw of lines.push(d.toString('utf8'))) {
        const step = smtpStep(state, raw.replace(/\r$/, ''));
        state = step.next;
        if (step.mail) emit(step.mail);
        step.replies.forEach(say);
        if (step.close) sock.end();
      }
    });
    sock.on('error', () => {});
  });
  server.listen(port, argv[1] || '0.0.0.0', () => emit({ listening: port }));
  onStop(() => process.exit(0));
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
