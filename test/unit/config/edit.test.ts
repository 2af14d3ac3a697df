import { describe, expect, test } from 'vitest';
import {
  getValue,
  maskSecrets,
  parsePath,
  parseValueText,
  setValue,
  unsetValue,
  MASK,
} from '../../../overlay/config/edit.js';
import { loadConfig, parseYaml } from '../../../overlay/config/load.js';

const text = `# top comment
version: 1
nodes:
  a:
    interfaces:
      wan: { mac: "52:54:00:00:00:01", addresses: [192.0.2.2/24] }   # NIC 1
sysctl:
  net.ipv4.ip_forward: 1
vrrp:
  instances:
    - name: VI_1            # the public VIP
      interface: wan
      vrid: 51
      version: 2
      priority: { a: 150 }
      auth: { pass: secret }
      vips: [192.0.2.10/24]
`;

describe('field paths', () => {
  test.each([
    ['vrrp.instances[0].priority.a', ['vrrp', 'instances', 0, 'priority', 'a']],
    ['nodes.a.interfaces.wan.addresses[0]', ['nodes', 'a', 'interfaces', 'wan', 'addresses', 0]],
    ['sysctl.net.ipv4.ip_forward', ['sysctl', 'net.ipv4.ip_forward']],
    ['sysctl["net.ipv4.ip_forward"]', ['sysctl', 'net.ipv4.ip_forward']],
  ])('%s', (p, want) => expect(parsePath(p)).toEqual(want));
  test('bad path', () => expect(() => parsePath('a..b[')).toThrow(/cannot read field path/));
});

describe('get / set / unset keep the rest of the file', () => {
  test('get', () => {
    expect(getValue(text, parsePath('vrrp.instances[0].vrid'))).toBe(51);
    expect(getValue(text, parsePath('vrrp.instances[0].priority'))).toEqual({ a: 150 });
    expect(getValue(text, parsePath('sysctl.net.ipv4.ip_forward'))).toBe(1);
    expect(() => getValue(text, parsePath('vrrp.instances[3]'))).toThrow('no value at vrrp.instances[3]');
  });
  test('set a scalar changes only that value, comments and layout stay', () => {
    const out = setValue(text, parsePath('vrrp.instances[0].vrid'), 52);
    expect(out).toBe(text.replace('vrid: 51', 'vrid: 52'));
    const out2 = setValue(text, parsePath('vrrp.instances[0].priority.a'), 200);
    expect(out2).toBe(text.replace('{ a: 150 }', '{ a: 200 }'));
  });
  test('set a new key keeps the comments', () => {
    const out = setValue(text, parsePath('vrrp.instances[0].nopreempt'), true);
    expect(out).toContain('# the public VIP');
    expect(out).toContain('# NIC 1');
    expect(out).toContain('# top comment');
    expect(getValue(out, parsePath('vrrp.instances[0].nopreempt'))).toBe(true);
  });
  test('values are read as YAML, except where a string is declared', () => {
    expect(parseValueText(parsePath('vrrp.instances[0].vrid'), '51')).toBe(51);
    expect(parseValueText(parsePath('vrrp.instances[0].vips'), '[192.0.2.10/24, 192.0.2.11/24]')).toEqual([
      '192.0.2.10/24',
      '192.0.2.11/24',
    ]);
    expect(parseValueText(parsePath('vrrp.instances[0].auth.pass'), '12345678')).toBe('12345678');
    const out = setValue(text, parsePath('vrrp.instances[0].auth.pass'), '12345678');
    expect(getValue(out, parsePath('vrrp.instances[0].auth.pass'))).toBe('12345678');
  });
  test('a string that looks like a number stays a string after set', () => {
    const out = setValue(text, parsePath('nodes.a.interfaces.wan.mac'), '52:54:00:00:00:09');
    expect(loadConfig(out, 'x', { typesOnly: true }).ok).toBe(true);
  });
  test('unset', () => {
    const out = unsetValue(text, parsePath('vrrp.instances[0].auth'));
    expect(() => getValue(out, parsePath('vrrp.instances[0].auth'))).toThrow();
    expect(out).toContain('# the public VIP');
    expect(() => unsetValue(text, parsePath('admin'))).toThrow('no value at admin');
  });
});

describe('secrets', () => {
  test('masked in place, nothing else changes', () => {
    const out = maskSecrets(text);
    expect(out).toBe(text.replace('pass: secret', `pass: '${MASK}'`));
    // Still YAML: the masked value reads back as the mask, not as an alias.
    expect(JSON.stringify(parseYaml(out).doc.toJS())).toContain(`"${MASK}"`);
  });
});
