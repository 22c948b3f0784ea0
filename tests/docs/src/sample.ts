/**
 * A value that satisfies a JSON Schema, for the fake servers to answer a doc
 * block's request with whatever schema the block asks for. Covers what
 * response models produce: objects, arrays, enums, consts, unions, nullable
 * and `$ref`/`$defs`.
 */
type Schema = Readonly<Record<string, unknown>>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function sampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > 12) return null;
  if (typeof schema.$ref === 'string') {
    const path = schema.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
    let target: unknown = root;
    for (const part of path) target = isSchema(target) ? target[part] : undefined;
    return sampleFromSchema(target, root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const chosen =
        options.find((option) => !(isSchema(option) && option.type === 'null')) ?? options[0];
      return sampleFromSchema(chosen, root, depth + 1);
    }
  }
  const type = Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== 'null') ?? 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        out[name] = sampleFromSchema(property, root, depth + 1);
      }
      return out;
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.max(schema.minItems, 1) : 1;
      return Array.from({ length: count }, () => sampleFromSchema(schema.items, root, depth + 1));
    }
    case 'string':
      return typeof schema.format === 'string' ? sampleFormat(schema.format) : 'example';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function sampleFormat(format: string): string {
  switch (format) {
    case 'email':
      return 'ada@example.com';
    case 'date-time':
      return '2024-01-01T00:00:00Z';
    case 'date':
      return '2024-01-01';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    default:
      return 'example';
  }
}
