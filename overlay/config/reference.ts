/** The markdown key reference (docs/config-reference.md), generated from the declarations. */
import { FORMATS, rangeText, type Field } from './decl.js';
import { pillarsConfig } from './model.js';

function typeText(f: Field): string {
  switch (f.kind) {
    case 'string': {
      const what = f.format
        ? `string: ${FORMATS[f.format].text}`
        : f.patternText
          ? `string: ${f.patternText}`
          : 'string';
      const bytes =
        f.maxBytes === undefined
          ? ''
          : f.minBytes !== undefined
            ? `, ${f.minBytes}-${f.maxBytes} bytes`
            : `, at most ${f.maxBytes} bytes`;
      return what + bytes;
    }
    case 'int':
      return `integer ${rangeText(f)}${f.unit ? ` (${f.unit})` : ''}${f.multipleOf ? `, multiple of ${f.multipleOf}` : ''}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${f.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'scalar':
      return 'string, number or boolean';
    case 'list':
      return `list${f.minItems ? ` (at least ${f.minItems})` : ''}${f.item.kind === 'object' || f.item.kind === 'variant' ? '' : ` of ${typeText(f.item)}`}`;
    case 'map':
      return `map of ${f.keyName}`;
    case 'object':
      return 'map';
    case 'variant':
      return `map, by \`${f.tag}\`: ${Object.keys(f.variants)
        .map((v) => `\`${v}\``)
        .join(', ')}`;
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rows(f: Field, path: string, out: string[]): void {
  const def =
    f.default !== undefined && !(typeof f.default === 'object' && f.kind === 'object')
      ? `\`${JSON.stringify(f.default)}\``
      : f.required
        ? '**required**'
        : '';
  const secret = f.secret ? ' *(secret: masked by `stick show`)*' : '';
  if (path) out.push(`| \`${path}\` | ${cell(typeText(f))} | ${cell(def)} | ${cell(f.doc)}${secret} |`);
  switch (f.kind) {
    case 'list':
      rows(f.item, `${path}[]`, out);
      if (f.item.kind !== 'object' && f.item.kind !== 'variant') out.pop();
      break;
    case 'map':
      rows(f.value, `${path}.${f.keyName}`, out);
      break;
    case 'object':
      for (const [k, sub] of Object.entries(f.fields)) rows(sub, path ? `${path}.${k}` : k, out);
      break;
    case 'variant':
      for (const [name, v] of Object.entries(f.variants))
        for (const [k, sub] of Object.entries(v.fields)) rows(sub, `${path}{${f.tag}=${name}}.${k}`, out);
      break;
    default:
      break;
  }
}

export function configReference(): string {
  const out = [
    '# pillars.yaml reference',
    '',
    '<!-- Generated from overlay/config/model.ts by `pillars schema --markdown`; do not edit by hand. -->',
    '',
    'Every key of the stick configuration, with its type, default and meaning. Unknown keys are errors.',
    'Rules that relate several keys (VIPs in the subnet of their interface, distinct priorities, unique',
    'VRIDs per interface, real servers reachable for the forwarding method…) are checked too; see',
    '`overlay/config/rules.ts`. Worked examples: [config-examples.md](config-examples.md).',
    '',
  ];
  if (pillarsConfig.kind !== 'object') return out.join('\n');
  for (const [k, f] of Object.entries(pillarsConfig.fields)) {
    out.push(`## \`${k}\``, '', f.doc, '', '| key | type | default | description |', '| --- | --- | --- | --- |');
    rows(f, k, out);
    out.push('');
  }
  return out.join('\n');
}
