import { fromZod } from '@structllm/zod';
import { z } from 'zod';

/** A user profile: flat fields, a short array, an enum and an optional field. */
export const UserProfile = z.object({
  name: z.string().min(1),
  email: z.string(),
  title: z.string(),
  location: z.string(),
  yearsExperience: z.number().int().min(0).max(60),
  seniority: z.enum(['junior', 'mid', 'senior', 'staff', 'principal']),
  skills: z.array(z.string()).min(1),
  bio: z.string(),
  website: z.string().optional(),
});

/** One catalogue item. */
export const Product = z.object({
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  price: z.number().nonnegative(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
  inStock: z.boolean(),
  rating: z.number().min(0).max(5),
  tags: z.array(z.string()),
  description: z.string(),
});

/** A product catalogue: a long array of objects (the case where progress matters most). */
export const ProductCatalogue = z.object({
  store: z.string(),
  updated: z.string(),
  products: z.array(Product).min(1),
});

const Metric = z.object({
  name: z.string(),
  value: z.number(),
  unit: z.string(),
  changePercent: z.number(),
});

/** A nested report: sections holding metrics and findings. */
export const QuarterlyReport = z.object({
  title: z.string(),
  period: z.string(),
  summary: z.string(),
  sections: z
    .array(
      z.object({
        heading: z.string(),
        metrics: z.array(Metric),
        findings: z.array(z.string()),
      }),
    )
    .min(1),
  risks: z.array(z.object({ risk: z.string(), severity: z.enum(['low', 'medium', 'high']) })),
  recommendations: z.array(z.string()),
});

export type UserProfile = z.output<typeof UserProfile>;
export type Product = z.output<typeof Product>;
export type ProductCatalogue = z.output<typeof ProductCatalogue>;
export type QuarterlyReport = z.output<typeof QuarterlyReport>;

export interface ExampleSchema {
  /** CLI / form value. */
  readonly id: 'profile' | 'catalogue' | 'report';
  /** The response model's name, sent to the provider. */
  readonly schemaName: string;
  readonly label: string;
  readonly defaultPrompt: string;
  readonly zod: z.ZodType;
  /**
   * Where the schema's bulk is, when it is one long array: the `elementPath` the
   * engine streams elements from (`--elements`), and what one element is called.
   */
  readonly elements?: { readonly path: string; readonly noun: string };
}

export const EXAMPLE_SCHEMAS: readonly ExampleSchema[] = [
  {
    id: 'profile',
    schemaName: 'user_profile',
    label: 'User profile',
    defaultPrompt: 'Create a profile for a senior software engineer',
    zod: UserProfile,
  },
  {
    id: 'catalogue',
    schemaName: 'product_catalogue',
    label: 'Product catalogue (many items)',
    defaultPrompt: 'List the products of a small outdoor-gear shop',
    zod: ProductCatalogue,
    elements: { path: 'products', noun: 'products' },
  },
  {
    id: 'report',
    schemaName: 'quarterly_report',
    label: 'Nested report',
    defaultPrompt: 'Write the Q3 operations report for an online bookshop',
    zod: QuarterlyReport,
  },
];

export function findSchema(id: string): ExampleSchema | undefined {
  return EXAMPLE_SCHEMAS.find((schema) => schema.id === id);
}

/** The response model for an example schema (zod through @structllm/zod, OpenAI strict form). */
export function responseModelFor(schema: ExampleSchema) {
  return fromZod(schema.zod, { name: schema.schemaName });
}
