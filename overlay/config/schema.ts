/** JSON Schema (draft-07, as yaml-language-server reads it) generated from the declarations. */
import { FORMATS, type Field } from './decl.js';
import { pillarsConfig } from './model.js';

export type JsonSchema = Record<string, unknown>;

export function fieldSchema(f: Field): JsonSchema {
  const s: JsonSchema = { description: f.doc };
  if (f.default !== undefined && f.kind !== 'object') s.default = f.default;
  switch (f.kind) {
    case 'string':
      s.type = 'string';
      if (f.format) s.description = `${f.doc} Must be ${FORMATS[f.format].text}.`;
      if (f.format === 'mac') s.pattern = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$';
      if (f.pattern) s.pattern = f.pattern.source;
      if (f.minLength !== undefined) s.minLength = f.minLength;
      if (f.maxLength !== undefined) s.maxLength = f.maxLength;
      break;
    case 'int':
      s.type = 'integer';
      if (f.min !== undefined) s.minimum = f.min;
      if (f.max !== undefined) s.maximum = f.max;
      if (f.multipleOf !== undefined) s.multipleOf = f.multipleOf;
      break;
    case 'bool':
      s.type = 'boolean';
      break;
    case 'enum':
      s.enum = [...f.values];
      break;
    case 'scalar':
      s.type = ['string', 'number', 'boolean'];
      break;
    case 'list':
      s.type = 'array';
      s.items = fieldSchema(f.item);
      if (f.minItems !== undefined) s.minItems = f.minItems;
      if (f.maxItems !== undefined) s.maxItems = f.maxItems;
      break;
    case 'map':
      s.type = 'object';
      s.propertyNames = { pattern: f.keyPattern.source };
      s.additionalProperties = fieldSchema(f.value);
      if (f.minEntries !== undefined) s.minProperties = f.minEntries;
      break;
    case 'object':
      Object.assign(s, objectSchema(f.fields));
      break;
    case 'variant':
      s.type = 'object';
      s.oneOf = Object.entries(f.variants).map(([name, v]) => {
        const o = objectSchema(v.fields);
        return {
          ...o,
          description: v.doc,
          properties: { [f.tag]: { const: name }, ...(o.properties as object) },
          required: [f.tag, ...((o.required as string[] | undefined) ?? [])],
        };
      });
      break;
  }
  return s;
}

function objectSchema(fields: Readonly<Record<string, Field>>): JsonSchema {
  const required = Object.entries(fields)
    .filter(([, f]) => f.required && f.default === undefined)
    .map(([k]) => k);
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldSchema(f)])),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

/** The schema `pillars schema` prints and `pillars stick init` puts next to pillars.yaml. */
export function configSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://pillars.invalid/pillars.schema.json',
    title: 'pillars.yaml',
    ...fieldSchema(pillarsConfig),
  };
}
