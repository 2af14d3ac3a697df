import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig, formatIssue } from '../../../overlay/config/load.js';
import { applyEdits, cases, type Case } from './invalid-cases.js';

const fixtures = new URL('../../fixtures/config/', import.meta.url);
const base = (name: Case['base']) => readFileSync(new URL(`base-${name}.yaml`, fixtures), 'utf8');

describe('the base configs are valid', () => {
  for (const b of ['director', 'heartbeat'] as const)
    test(b, () => {
      const r = loadConfig(base(b));
      expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([]);
    });
});

describe('invalid configs give exact messages', () => {
  test('there are at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const k of cases)
    test(k.name, () => {
      const r = loadConfig(applyEdits(base(k.base), k.edits), 'pillars.yaml');
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual(k.expect);
    });
});
