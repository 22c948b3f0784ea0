import { StructuredLLMError } from '../errors/index.ts';
import type { StructuredProvider } from './types.ts';

export interface RoutedModel {
  readonly provider: StructuredProvider;
  /** The model id the provider receives. */
  readonly model: string;
  /** The name the caller used ('openai/gpt-4o'): what responses, metrics and errors report. */
  readonly requested: string;
}

export interface ModelRouter {
  route(model: string): RoutedModel;
  readonly providers: ReadonlyMap<string, StructuredProvider>;
}

/**
 * Routes 'prefix/model' to the provider registered under `prefix`, removing the
 * prefix. A model without a prefix, or whose prefix is no provider's id
 * ('meta-llama/llama-3.1-70b' for OpenRouter), goes whole to the default provider.
 */
export function createModelRouter(
  providers: readonly StructuredProvider[],
  defaultProviderId?: string,
): ModelRouter {
  const byId = new Map<string, StructuredProvider>();
  for (const provider of providers) {
    if (byId.has(provider.id)) {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'duplicate_provider',
        message: `Two providers are registered with the id "${provider.id}"`,
      });
    }
    if (provider.specificationVersion !== 'v1') {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'unsupported_provider',
        message: `Provider "${provider.id}" implements specification ${String(provider.specificationVersion)}; this core supports "v1"`,
      });
    }
    byId.set(provider.id, provider);
  }
  if (defaultProviderId !== undefined && !byId.has(defaultProviderId)) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'unknown_provider',
      message: `defaultProvider "${defaultProviderId}" is not among the registered providers (${[...byId.keys()].join(', ') || 'none'})`,
    });
  }
  const fallback =
    defaultProviderId !== undefined
      ? byId.get(defaultProviderId)
      : byId.size === 1
        ? byId.values().next().value
        : undefined;

  return {
    providers: byId,
    route(requested: string): RoutedModel {
      const slash = requested.indexOf('/');
      if (slash > 0) {
        const provider = byId.get(requested.slice(0, slash));
        if (provider !== undefined) {
          return { provider, model: requested.slice(slash + 1), requested };
        }
      }
      if (fallback !== undefined) return { provider: fallback, model: requested, requested };
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'no_provider',
        message: `No provider can serve model "${requested}": registered providers are ${[...byId.keys()].map((id) => `"${id}"`).join(', ') || 'none'}, and there is no defaultProvider. Use a prefix such as "${[...byId.keys()][0] ?? 'openai'}/${requested}".`,
      });
    },
  };
}
