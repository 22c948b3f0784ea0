/**
 * Realistic answers for the simulated model: hand-written content for the
 * demo's example schemas, and a schema-driven generator for any other schema
 * (so the examples' own schemas get plausible answers too). Deterministic for
 * a given seed, so a prompt always gets the same answer.
 */

export type Random = () => number;

/** The testing kit's seeded PRNG (mulberry32): the same prompt gets the same answer. */
export { seededRandom } from '@structllm/testing';

/** FNV-1a hash of a string, as a seed. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) {
    out.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as T);
  }
  return out;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Radia', 'Dennis'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Fernández', 'Chen', 'Kowalski'];
const CITIES = ['Lisbon, Portugal', 'Toronto, Canada', 'Berlin, Germany', 'Osaka, Japan'];
const SKILLS = [
  'TypeScript',
  'Node.js',
  'PostgreSQL',
  'Kubernetes',
  'distributed systems',
  'observability',
  'React',
  'Rust',
  'API design',
  'incident response',
];

function userProfile(random: Random): Record<string, unknown> {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const years = 6 + Math.floor(random() * 12);
  const skills = pickSome(random, SKILLS, 5);
  return {
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}@example.com`,
    title: 'Senior Software Engineer',
    location: pick(random, CITIES),
    yearsExperience: years,
    seniority: years > 14 ? 'staff' : 'senior',
    skills,
    bio: `${first} has spent ${years} years building backend services, most recently a payments platform handling 40k requests per second. They care about ${skills[0]} and ${skills[1]}, write the runbooks nobody else wants to, and mentor two junior engineers.`,
    website: random() < 0.5 ? null : `https://${first.toLowerCase()}${last.length}.dev`,
  };
}

const PRODUCTS: readonly (readonly [string, string, number, readonly string[]])[] = [
  ['Trail Runner 2 shoes', 'footwear', 129, ['running', 'lightweight']],
  ['Alpine 45 L backpack', 'packs', 189, ['hiking', 'waterproof']],
  ['Summit down jacket', 'clothing', 249, ['insulated', 'packable']],
  ['Ridge trekking poles', 'accessories', 79, ['aluminium', 'adjustable']],
  ['Cascade water filter', 'camp', 45, ['hydration', 'ultralight']],
  ['Nomad 2-person tent', 'shelter', 399, ['3-season', 'freestanding']],
  ['Glacier sleeping bag −10 °C', 'sleep', 289, ['down', 'winter']],
  ['Ember camp stove', 'camp', 65, ['cooking', 'compact']],
  ['Lumen 400 headlamp', 'accessories', 39, ['rechargeable', 'night']],
  ['Merino base layer', 'clothing', 85, ['wool', 'odour-resistant']],
  ['Scree gaiters', 'accessories', 35, ['snow', 'mud']],
  ['Drift insulated bottle', 'hydration', 29, ['steel', 'keeps cold 24 h']],
  ['Pathfinder GPS watch', 'electronics', 349, ['navigation', 'solar']],
  ['Canyon rain shell', 'clothing', 179, ['waterproof', 'breathable']],
  ['Boulder chalk bag', 'climbing', 22, ['climbing', 'refillable']],
  ['Vertex climbing harness', 'climbing', 69, ['adjustable', 'sport']],
  ['Tundra mittens', 'clothing', 55, ['insulated', 'winter']],
  ['Sierra camp chair', 'camp', 59, ['folding', 'lightweight']],
  ['Ranger first-aid kit', 'safety', 42, ['essential', 'compact']],
  ['Aurora sleeping pad', 'sleep', 139, ['inflatable', 'R-value 4.2']],
  ['Meridian map case', 'navigation', 18, ['waterproof', 'clear']],
  ['Talus approach shoes', 'footwear', 149, ['scrambling', 'sticky rubber']],
  ['Solstice sun hoodie', 'clothing', 65, ['UPF 50', 'quick-dry']],
  ['Basecamp lantern', 'camp', 49, ['rechargeable', 'dimmable']],
];

function productCatalogue(random: Random): Record<string, unknown> {
  const currency = pick(random, ['EUR', 'USD', 'GBP'] as const);
  return {
    store: pick(random, ['Northwind Outdoor', 'Fjell & Co.', 'Cairn Supply']),
    updated: '2025-09-30',
    products: PRODUCTS.map(([name, category, price, tags], i) => ({
      sku: `${category.slice(0, 3).toUpperCase()}-${String(1001 + i)}`,
      name,
      category,
      price: round(price * (0.9 + random() * 0.2), 2),
      currency,
      inStock: random() > 0.2,
      rating: round(3.6 + random() * 1.4, 1),
      tags: [...tags],
      description: `${name}: ${tags[0]} and ${tags[1]}, tested on long days in the mountains.`,
    })),
  };
}

function quarterlyReport(random: Random): Record<string, unknown> {
  const change = () => round(-8 + random() * 24, 1);
  return {
    title: 'Q3 operations report',
    period: '2025-07-01 to 2025-09-30',
    summary:
      'Orders grew faster than fulfilment capacity in August; the new warehouse shift closed the gap by mid-September, and customer satisfaction recovered to its Q2 level.',
    sections: [
      {
        heading: 'Sales',
        metrics: [
          {
            name: 'Orders',
            value: 48210 + Math.floor(random() * 900),
            unit: 'orders',
            changePercent: change(),
          },
          {
            name: 'Average basket',
            value: round(31 + random() * 4, 2),
            unit: 'EUR',
            changePercent: change(),
          },
          {
            name: 'Repeat customers',
            value: round(38 + random() * 6, 1),
            unit: '%',
            changePercent: change(),
          },
        ],
        findings: [
          'Back-to-school titles drove a third of August orders.',
          'E-book bundles sold best on weekday evenings.',
        ],
      },
      {
        heading: 'Fulfilment',
        metrics: [
          {
            name: 'Median dispatch time',
            value: round(20 + random() * 6, 1),
            unit: 'hours',
            changePercent: change(),
          },
          {
            name: 'Orders shipped late',
            value: round(2 + random() * 3, 1),
            unit: '%',
            changePercent: change(),
          },
        ],
        findings: [
          'Late shipments peaked in week 34, before the evening shift started.',
          'Packaging waste fell after the switch to recycled mailers.',
        ],
      },
      {
        heading: 'Customer service',
        metrics: [
          {
            name: 'Tickets',
            value: 3120 + Math.floor(random() * 400),
            unit: 'tickets',
            changePercent: change(),
          },
          {
            name: 'First response time',
            value: round(3 + random() * 2, 1),
            unit: 'hours',
            changePercent: change(),
          },
          {
            name: 'Satisfaction',
            value: round(4.2 + random() * 0.5, 2),
            unit: 'out of 5',
            changePercent: change(),
          },
        ],
        findings: ['Where-is-my-order questions were half of all tickets in August.'],
      },
    ],
    risks: [
      { risk: 'Carrier price increase announced for January', severity: 'medium' },
      { risk: 'Single warehouse: no fallback during peak season', severity: 'high' },
      { risk: 'Payment provider contract renewal in Q4', severity: 'low' },
    ],
    recommendations: [
      'Keep the evening shift through the holiday season.',
      'Send proactive shipping updates to cut where-is-my-order tickets.',
      'Get a quote from a second carrier before the January increase.',
    ],
  };
}

const KNOWN: Readonly<Record<string, (random: Random) => Record<string, unknown>>> = {
  user_profile: userProfile,
  product_catalogue: productCatalogue,
  quarterly_report: quarterlyReport,
};

/** The hand-written generator for a known schema name, if there is one. */
export function knownContent(
  schemaName: string | undefined,
): ((random: Random) => Record<string, unknown>) | undefined {
  return schemaName === undefined ? undefined : KNOWN[schemaName];
}

type Schema = Readonly<Record<string, unknown>>;

const WORDS = ['amber', 'harbour', 'lantern', 'meadow', 'orbit', 'quartz', 'summit', 'willow'];

function stringFor(key: string, random: Random): string {
  const k = key.toLowerCase();
  if (k.includes('email')) return `${pick(random, FIRST).toLowerCase()}@example.com`;
  if (k === 'name' || k.endsWith('name')) return `${pick(random, FIRST)} ${pick(random, LAST)}`;
  if (k.includes('city') || k.includes('location')) return pick(random, CITIES);
  if (k.includes('date') || k.includes('updated')) return '2025-09-30';
  if (k.includes('url') || k.includes('website')) return 'https://example.com';
  if (k.includes('title') || k.includes('heading')) return `The ${pick(random, WORDS)} project`;
  if (k.includes('description') || k.includes('summary') || k.includes('bio')) {
    return `A short ${pick(random, WORDS)} note written by the simulated model, long enough to stream in several chunks.`;
  }
  return pick(random, WORDS);
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof node === 'object' && node !== null ? (node as Schema) : undefined;
}

/**
 * A plausible value for a JSON Schema: property names pick realistic strings,
 * numbers respect their bounds, enums and consts are honoured, nullable
 * branches are skipped, arrays get a few items.
 */
export function valueForSchema(
  schema: Schema | undefined,
  random: Random,
  key = '',
  root: Schema | undefined = schema,
  depth = 0,
): unknown {
  if (schema === undefined || depth > 12) return null;
  if (typeof schema.$ref === 'string' && root !== undefined) {
    return valueForSchema(resolveRef(root, schema.$ref), random, key, root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(random, schema.enum);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const nonNull = branches.filter((branch) => branch.type !== 'null');
    return valueForSchema(nonNull[0] ?? branches[0], random, key, root, depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined && typeof schema.properties === 'object') type = 'object';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const [name, sub] of Object.entries(properties)) {
        out[name] = valueForSchema(sub, random, name, root, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : min + 4;
      const count = Math.max(min, Math.min(max, 3));
      const items = schema.items as Schema | undefined;
      return Array.from({ length: count }, () =>
        valueForSchema(items, random, key, root, depth + 1),
      );
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 1;
      const max = typeof schema.maximum === 'number' ? schema.maximum : min + 99;
      const value = min + random() * (max - min);
      return type === 'integer' ? Math.round(value) : round(value, 2);
    }
    case 'boolean':
      return random() < 0.7;
    case 'null':
      return null;
    case 'string': {
      const text = stringFor(key, random);
      if (typeof schema.maxLength === 'number') return text.slice(0, schema.maxLength);
      return text;
    }
    default:
      return stringFor(key, random);
  }
}
