import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../../builder/version.js';
import { LineSplitter } from '../../../builder/vm/agents/common.js';
import { initialSmtpState, smtpStep, SMTP_GREETING, type SmtpState } from '../../../builder/vm/agents/smtp-sink.js';
import { pingReply } from '../../../builder/vm/agents/conn-server.js';
import { backendsOf, clampClient, replyBackend } from '../../../builder/vm/agents/conn-client.js';
import { agentArgv, agentFile } from '../../../builder/vm/agents/launch.js';
import { parseMailLine, type Mail } from '../../../builder/vm/scripts.js';
import type { ConnResult } from '../../../builder/vm/conn-scripts.js';

/** Feed a dialogue through the SMTP step function: every reply and every mail, in order. */
function dialogue(lines: readonly string[]): { replies: string[]; mails: Mail[]; closed: boolean } {
  let state: SmtpState = initialSmtpState();
  const replies: string[] = [];
  const mails: Mail[] = [];
  let closed = false;
  for (const l of lines) {
    const step = smtpStep(state, l);
    state = step.next;
    replies.push(...step.replies);
    if (step.mail) mails.push(step.mail);
    closed ||= step.close === true;
  }
  return { replies, mails, closed };
}

describe('SMTP sink dialogue', () => {
  it('accepts a mail, un-stuffs dots, and takes the subject from the header only', () => {
    const r = dialogue([
      'EHLO lb1',
      'MAIL FROM:<pillars@lb1>',
      'RCPT TO:<ops@example.org>',
      'RCPT TO:<noc@example.org>',
      'DATA',
      'Subject: [lb1] vrrp VI_1 MASTER',
      'From: pillars@lb1',
      '',
      'line one',
      '..dot line',
      'Subject: not a header',
      '.',
      'QUIT',
    ]);
    expect(r.replies).toEqual([
      '250 pillars-lab',
      '250 ok',
      '250 ok',
      '250 ok',
      '354 end with .',
      '250 queued',
      '221 bye',
    ]);
    expect(r.mails).toEqual([
      {
        from: 'pillars@lb1',
        to: ['ops@example.org', 'noc@example.org'],
        subject: '[lb1] vrrp VI_1 MASTER',
        body: 'line one\n.dot line\nSubject: not a header',
      },
    ]);
    expect(r.closed).toBe(true);
  });

  it('RSET forgets the envelope; a second mail starts clean', () => {
    const r = dialogue([
      'MAIL FROM:<a@x>',
      'RSET',
      'RCPT TO:<b@x>',
      'DATA',
      'no header',
      '.',
      'MAIL FROM:<c@x>',
      'DATA',
      '.',
    ]);
    expect(r.mails).toEqual([
      { from: '', to: ['b@x'], subject: '', body: '' },
      { from: 'c@x', to: [], subject: '', body: '' },
    ]);
  });

  it('a mail line round-trips through the host-side parser', () => {
    const [mail] = dialogue(['MAIL FROM:<a@x>', 'RCPT TO:<b@x>', 'DATA', 'Subject: s', '', 'b', '.']).mails;
    expect(parseMailLine(JSON.stringify(mail))).toEqual({ from: 'a@x', to: ['b@x'], subject: 's', body: 'b' });
  });

  it('the agent speaks it over TCP', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const sink = spawn(process.execPath, agentArgv('smtp-sink', [String(port), '127.0.0.1']), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    sink.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitUntil(() => out.includes(`{"listening":${port}}`), 10_000);
      const sock = createConnection({ host: '127.0.0.1', port });
      let heard = '';
      sock.on('data', (d) => (heard += d.toString()));
      await waitUntil(() => heard.startsWith(SMTP_GREETING + '\r\n'), 5000);
      sock.write('HELO t\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n');
      await waitUntil(() => heard.includes('221 bye'), 5000);
      await waitUntil(() => out.split('\n').some((l) => parseMailLine(l)), 5000);
      expect(out.split('\n').map(parseMailLine).filter(Boolean)).toEqual([
        { from: 'a@x', to: ['b@x'], subject: 'hi', body: 'body' },
      ]);
      sock.destroy();
    } finally {
      sink.kill('SIGTERM');
    }
  });
});

describe('connection agents', () => {
  it('the server answers pings only', () => {
    expect(pingReply('web1', 'ping 7')).toBe('web1 7\n');
    expect(pingReply('web1', 'ping x')).toBeNull();
    expect(pingReply('web1', 'ping 7 ')).toBeNull();
  });

  it('the client reads the backend from a reply and counts connections per backend', () => {
    expect(replyBackend('web2 14')).toBe('web2');
    expect(replyBackend('garbage')).toBeNull();
    const c = (backend: string | null): ConnResult => ({
      id: 0,
      backend,
      sent: 1,
      received: 1,
      lastReplyAt: 1,
      closed: false,
      error: null,
    });
    expect(backendsOf([c('a'), c('b'), c('a'), c(null)])).toEqual({ a: 2, b: 1 });
  });

  it('the client bounds its connections and its duration', () => {
    const o = { host: '192.0.2.1', port: 85, intervalMs: 100 };
    expect(clampClient({ ...o, count: 5000, durationMs: 1e9 })).toMatchObject({ count: 200, durationMs: 600_000 });
    expect(clampClient({ ...o, count: 0, durationMs: 1 })).toMatchObject({ count: 1, durationMs: 1000 });
  });
});

describe('line splitting and launching', () => {
  it('keeps a partial line until its newline arrives', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.pending).toBe(1);
    expect(s.push('c\n\nd')).toEqual(['bc', '']);
    expect(s.push('\n')).toEqual(['d']);
  });

  it('from the compiled tree an agent is its sibling .js file', () => {
    const launch = join(projectRoot, 'dist', 'builder', 'vm', 'agents', 'launch.js');
    const url = pathToFileURL(launch).href;
    if (existsSync(launch)) expect(agentFile('probe', url)).toBe(join(dirname(launch), 'probe.js'));
  });

  it('inlined into another bundle, an agent is bundled from the checkout', () => {
    expect(agentFile('probe', pathToFileURL('/tmp/some-test/child.mjs').href)).toMatch(
      /pillars-agents\/probe-[0-9a-f]{16}\.mjs$/,
    );
  });

  it('from the sources an agent is bundled once into a content-named .mjs', () => {
    const a = agentFile('conn-server');
    expect(a).toMatch(/pillars-agents\/conn-server-[0-9a-f]{16}\.mjs$/);
    expect(agentFile('conn-server')).toBe(a);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
