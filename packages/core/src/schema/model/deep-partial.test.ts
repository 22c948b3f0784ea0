import { describe, expectTypeOf, it } from 'vitest';
import type { DeepPartial } from './deep-partial.ts';

describe('DeepPartial', () => {
  it('makes every object key optional, recursively', () => {
    type Person = { name: string; address: { city: string; zip: number } };
    expectTypeOf<DeepPartial<Person>>().toEqualTypeOf<{
      name?: string;
      address?: { city?: string; zip?: number };
    }>();
    expectTypeOf<Record<string, never>>().toExtend<DeepPartial<Person>>();
    expectTypeOf<{ address: { city: 'Par' } }>().toExtend<DeepPartial<Person>>();
  });

  it('keeps primitives, literals and null as they are', () => {
    expectTypeOf<DeepPartial<string>>().toEqualTypeOf<string>();
    expectTypeOf<DeepPartial<42>>().toEqualTypeOf<42>();
    expectTypeOf<DeepPartial<'a' | 'b'>>().toEqualTypeOf<'a' | 'b'>();
    expectTypeOf<DeepPartial<null>>().toEqualTypeOf<null>();
    expectTypeOf<DeepPartial<unknown>>().toEqualTypeOf<unknown>();
  });

  it('turns arrays into arrays of partial elements, nested arrays too', () => {
    type Order = { items: { sku: string; qty: number }[]; grid: number[][] };
    expectTypeOf<DeepPartial<Order>>().toEqualTypeOf<{
      items?: { sku?: string; qty?: number }[];
      grid?: number[][];
    }>();
    expectTypeOf<{ items: [{ sku: 'A' }, { qty: 1 }] }>().toExtend<DeepPartial<Order>>();
  });

  it('keeps readonly arrays readonly and readonly keys readonly', () => {
    type Frozen = { readonly tags: readonly string[]; readonly point: { readonly x: number } };
    expectTypeOf<DeepPartial<Frozen>>().toEqualTypeOf<{
      readonly tags?: readonly string[];
      readonly point?: { readonly x?: number };
    }>();
  });

  it('lets tuples stop early', () => {
    type Pair = [string, { n: number }];
    expectTypeOf<DeepPartial<Pair>>().toEqualTypeOf<[string?, { n?: number }?]>();
    expectTypeOf<[]>().toExtend<DeepPartial<Pair>>();
    expectTypeOf<['a']>().toExtend<DeepPartial<Pair>>();
  });

  it('distributes over unions, including tagged unions and nullable values', () => {
    type Shape = { kind: 'circle'; radius: number } | { kind: 'square'; side: number };
    expectTypeOf<DeepPartial<Shape>>().toEqualTypeOf<
      { kind?: 'circle'; radius?: number } | { kind?: 'square'; side?: number }
    >();
    expectTypeOf<DeepPartial<{ a: string } | null>>().toEqualTypeOf<{ a?: string } | null>();
    expectTypeOf<DeepPartial<{ note: string | null }>>().toEqualTypeOf<{ note?: string | null }>();
  });

  it('keeps optional keys optional, and lets them show null (strict mode writes null for absent)', () => {
    type WithOptional = { a?: string; b: number | undefined; c: string };
    expectTypeOf<DeepPartial<WithOptional>>().toEqualTypeOf<{
      a?: string | null;
      b?: number | undefined | null;
      c?: string;
    }>();
  });

  it('handles recursive types without expanding forever', () => {
    type Tree = { label: string; children: Tree[] };
    type PartialTree = DeepPartial<Tree>;
    expectTypeOf<PartialTree['children']>().toEqualTypeOf<DeepPartial<Tree>[] | undefined>();
    const tree: PartialTree = { children: [{ label: 'a', children: [{}] }] };
    expectTypeOf(tree).toExtend<PartialTree>();
  });

  it('leaves any as any', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the point of the test
    expectTypeOf<DeepPartial<any>>().toBeAny();
  });
});
