import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig, formatIssue } from '../../../overlay/config/load.js';
import { configReference } from '../../../overlay/config/reference.js';
import { configSchema } from '../../../overlay/config/schema.js';
import { PROFILES, SCHEDULERS } from '../../../overlay/config/model.js';
import { FAST_ADVERT_MS } from '../../../builder/drill/lab-config.js';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const issues = (text: string, file: string) => {
  const r = loadConfig(text, file);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe('starter configs', () => {
  for (const p of PROFILES)
    test(`${p} starter is valid, for its profile, with the schema modeline`, () => {
      const text = read(`profiles/${p}.starter.yaml`);
      expect(issues(text, `${p}.starter.yaml`)).toEqual([]);
      const r = loadConfig(text);
      expect(r.ok && r.config.profile).toBe(p);
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=pillars.schema.json');
    });
});

describe('worked examples (docs/config-examples.md)', () => {
  const md = read('docs/config-examples.md');
  const blocks = [...md.matchAll(/<!-- fixture: (\S+) -->\n```yaml\n([\s\S]*?)```\n/g)].map((m) => ({
    path: m[1]!,
    text: m[2]!,
  }));
  const dir = 'test/fixtures/config/examples/';
  const files = readdirSync(new URL(dir, root)).filter((f) => f.endsWith('.yaml'));

  test('every example fixture is shown in the markdown, and only those', () => {
    expect(blocks.map((b) => b.path).sort()).toEqual(files.map((f) => dir + f).sort());
  });
  for (const f of files) {
    test(`${f} parses and validates`, () => expect(issues(read(dir + f), f)).toEqual([]));
    test(`${f} is identical in the markdown`, () =>
      expect(blocks.find((b) => b.path === dir + f)?.text).toBe(read(dir + f)));
  }
  test('the classic setups are all there', () => {
    const http = loadConfig(read(dir + 'keepalived-http-get.yaml'));
    if (!http.ok) throw new Error('invalid');
    const vs = http.config.director!.virtual_servers[0]!;
    expect(vs.real_servers).toHaveLength(5);
    expect(vs.forwarding).toBe('nat');
    expect(vs.check?.type === 'HTTP_GET' && vs.check.urls[0]!.digest).toMatch(/^[0-9a-f]{32}$/);
    const wrr = loadConfig(read(dir + 'wrr-pool.yaml'));
    expect(wrr.ok && wrr.config.director!.virtual_servers[0]!.real_servers.map((r) => r.weight)).toEqual([3, 3, 1]);
    const drtun = loadConfig(read(dir + 'dr-tun-pools.yaml'));
    expect(drtun.ok && drtun.config.director!.virtual_servers.map((v) => v.forwarding)).toEqual(['dr', 'tun']);
    const hb = loadConfig(read(dir + 'heartbeat-pair.yaml'));
    expect(hb.ok && hb.config.heartbeat!.authkeys.method).toBe('sha1');
    // The documented fast timers are the ones the lab and the benchmark drill with.
    const fast = loadConfig(read(dir + 'fast-vrrp-router.yaml'));
    expect(fast.ok && fast.config.vrrp!.instances.map((i) => i.advert_int)).toEqual([FAST_ADVERT_MS, FAST_ADVERT_MS]);
    const carp = loadConfig(read(dir + 'carp-pair.yaml'));
    expect(carp.ok && carp.config.carp!.instances[0]!.advbase).toBe(1);
  });
});

describe('generated reference and schema', () => {
  test('docs/config-reference.md is up to date (regenerate: pillars schema --markdown > docs/config-reference.md)', () => {
    expect(read('docs/config-reference.md')).toBe(configReference());
  });
  test('the schema closes every object and knows the ipvsadm schedulers', () => {
    interface Node {
      additionalProperties?: unknown;
      required?: string[];
      enum?: unknown[];
      const?: unknown;
      properties: Record<string, Node>;
      items: Node;
      oneOf: Node[];
    }
    const s = configSchema() as unknown as Node;
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['version', 'nodes']);
    const vs = s.properties.director!.properties.virtual_servers!.items;
    expect(vs.additionalProperties).toBe(false);
    expect(vs.properties.scheduler!.enum).toEqual([...SCHEDULERS]);
    expect(vs.properties.check!.oneOf.map((o) => o.properties.type!.const)).toEqual([
      'HTTP_GET',
      'SSL_GET',
      'TCP_CHECK',
      'MISC_CHECK',
      'DNS_CHECK',
    ]);
    expect(s.properties.vrrp!.properties.instances!.items.properties.priority!.additionalProperties).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 254,
    });
  });
  test('the schema patterns are valid regular expressions', () => {
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'pattern' && typeof x === 'string') expect(() => new RegExp(x, 'u')).not.toThrow();
          walk(x);
        }
    };
    walk(configSchema());
  });
});
