type Leaf = string | number | boolean | bigint | symbol | null | undefined;

/**
 * What a value of type `T` can look like while it is still streaming: every
 * object key optional (recursively), arrays shorter than they will be (with
 * partial elements), tuples cut short, strings as prefixes (still `string`).
 *
 * Unions distribute (`DeepPartial<A | B>` is `DeepPartial<A> | DeepPartial<B>`),
 * `readonly` arrays stay readonly, `any` and `unknown` stay as they are, and
 * recursive types stay lazy, so a tree type does not expand forever.
 */
// `T` appears only as the checked type of each condition (never in an `extends`
// clause): that keeps `DeepPartial<T>` covariant in `T`, so `ResponseModel<Person>`
// is assignable to `ResponseModel<unknown>`.
export type DeepPartial<T> = T extends Leaf
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends readonly unknown[]
      ? T extends readonly [] | readonly [unknown, ...unknown[]]
        ? { [K in keyof T]?: DeepPartial<T[K]> } // a tuple may stop early
        : { [K in keyof T]: DeepPartial<T[K]> } // an array keeps its kind, with partial items
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> | OptionalNull<T[K]> }
        : T;

/**
 * Optional keys may also show `null` while streaming: in OpenAI strict mode an
 * optional field is sent as required-and-nullable, and the model writes `null`
 * for "absent". The final value has those nulls removed.
 */
type OptionalNull<V> = V extends undefined ? null : never;
