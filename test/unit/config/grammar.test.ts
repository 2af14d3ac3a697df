import { describe, expect, test } from 'vitest';
import type { Field } from '../../../overlay/config/decl.js';
import { pillarsConfig } from '../../../overlay/config/model.js';

/** Every string field of the declaration table, with its path. */
function strings(
  f: Field,
  path: string,
  out: [string, Field & { kind: 'string' }][] = [],
): [string, Field & { kind: 'string' }][] {
  switch (f.kind) {
    case 'string':
      out.push([path, f]);
      break;
    case 'list':
      strings(f.item, `${path}[]`, out);
      break;
    case 'map':
      strings(f.value, `${path}.${f.keyName}`, out);
      break;
    case 'object':
      for (const [k, x] of Object.entries(f.fields)) strings(x, path ? `${path}.${k}` : k, out);
      break;
    case 'variant':
      for (const [t, v] of Object.entries(f.variants)) strings(v, `${path}{${f.tag}=${t}}`, out);
      break;
  }
  return out;
}

describe('the declaration table', () => {
  test('every string field says what it may hold (a format, a pattern or a check)', () => {
    const loose = strings(pillarsConfig, '')
      .filter(([, f]) => !f.format && !f.pattern && !f.check)
      .map(([p]) => p);
    expect(loose).toEqual([]);
  });
  test('secrets are limited in bytes where the daemon counts bytes', () => {
    const secrets = strings(pillarsConfig, '')
      .filter(([, f]) => f.secret && f.maxLength !== undefined)
      .map(([p]) => p);
    expect(secrets).toEqual([]);
  });
});
