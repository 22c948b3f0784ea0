import { type Discriminator, type SchemaNode, TYPE_OBJECT } from './schema-node.ts';

/** Nodes whose constraints all apply to the same value as `node`: itself and its `allOf`/`$ref` closure. */
function conjunction(node: SchemaNode): SchemaNode[] {
  const found = [node];
  for (let i = 0; i < found.length; i++) {
    for (const member of (found[i] as SchemaNode).allOf) {
      if (!found.includes(member)) found.push(member);
    }
  }
  return found;
}

function constantString(node: SchemaNode): string | undefined {
  for (const part of conjunction(node)) {
    if (typeof part.constant?.value === 'string') return part.constant.value;
    const only = part.enumeration?.length === 1 ? part.enumeration[0] : undefined;
    if (typeof only === 'string') return only;
  }
  return undefined;
}

function tagOf(branch: SchemaNode, property: string): string | undefined {
  for (const part of conjunction(branch)) {
    const schema = part.properties?.get(property);
    if (schema !== undefined) return constantString(schema);
  }
  return undefined;
}

function acceptsObjects(branch: SchemaNode): boolean {
  return conjunction(branch).every(
    (part) => part.types === undefined || (part.types & TYPE_OBJECT) !== 0,
  );
}

/** A property every object branch pins to its own string constant, if there is one. */
export function findDiscriminator(branches: readonly SchemaNode[]): Discriminator | undefined {
  const objectBranches = branches.flatMap((branch, index) =>
    acceptsObjects(branch) ? [index] : [],
  );
  const first = branches[objectBranches[0] ?? -1];
  if (objectBranches.length < 2 || first === undefined) return undefined;
  const candidates = conjunction(first).flatMap((part) => [...(part.properties?.keys() ?? [])]);
  for (const property of candidates) {
    const tags = new Map<string, number>();
    for (const index of objectBranches) {
      const tag = tagOf(branches[index] as SchemaNode, property);
      if (tag === undefined || tags.has(tag)) break;
      tags.set(tag, index);
    }
    if (tags.size === objectBranches.length) return { property, tags };
  }
  return undefined;
}
