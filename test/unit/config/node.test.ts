import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { loadConfig } from '../../../overlay/config/load.js';
import { selectNode } from '../../../overlay/config/node.js';

const r = loadConfig(readFileSync(new URL('../../fixtures/config/base-director.yaml', import.meta.url), 'utf8'));
if (!r.ok) throw new Error('base config invalid');
const config = r.config;

test('found by any of its MACs, case and separator insensitive', () => {
  const s = selectNode(config, ['aa:bb:cc:dd:ee:ff', '52-54-00-00-00-04']);
  expect(s).toMatchObject({ ok: true, name: 'b', how: 'matched by MAC address on lan' });
  expect(selectNode(config, ['52:54:00:00:00:01', '52:54:00:00:00:02'])).toMatchObject({
    ok: true,
    name: 'a',
    how: 'matched by MAC address on wan, lan',
  });
});
test('the kernel parameter overrides', () => {
  expect(selectNode(config, ['52:54:00:00:00:01'], 'b')).toMatchObject({ ok: true, name: 'b' });
  expect(selectNode(config, [], 'c')).toEqual({
    ok: false,
    reason: 'pillars.node=c names no node of this config (its nodes: a, b)',
  });
});
test('no match says why', () => {
  const s = selectNode(config, ['aa:bb:cc:dd:ee:ff']);
  expect(s.ok).toBe(false);
  expect(!s.ok && s.reason).toContain(
    "no node of the config has one of this box's MAC addresses (aa:bb:cc:dd:ee:ff); nodes: a (wan=52:54:00:00:00:01 lan=52:54:00:00:00:02)",
  );
});
test('a box matching both nodes is ambiguous', () => {
  const s = selectNode(config, ['52:54:00:00:00:01', '52:54:00:00:00:03']);
  expect(s).toEqual({
    ok: false,
    reason: "this box's MAC addresses match several nodes (a, b); boot with pillars.node=NAME",
  });
});
test('the loaded config is frozen', () => {
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.nodes.a!.interfaces)).toBe(true);
  expect(config.vrrp!.instances[0]!.garp).toEqual({ master_delay: 5, master_repeat: 5, master_refresh: 0 });
});
