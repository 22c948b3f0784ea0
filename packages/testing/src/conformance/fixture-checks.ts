import { expect } from 'vitest';
import { wireFixtures } from '../wire/fixtures.ts';
import type { WireDialect, WireFixture } from '../wire/types.ts';
import type { ConformanceCheck } from './check-tools.ts';

/** Fixtures a provider of this dialect can replay (OpenRouter also speaks plain OpenAI streams). */
function fixturesFor(dialect: WireDialect): readonly WireFixture[] {
  return wireFixtures.filter(
    (fixture) =>
      fixture.dialect === dialect || (dialect === 'openrouter' && fixture.dialect === 'openai'),
  );
}

/** Every recorded fixture of the dialect, replayed in its mode and compared with its catalogue entry. */
export function fixtureChecks(dialect: WireDialect): ConformanceCheck[] {
  return fixturesFor(dialect).map((fixture) => ({
    group: 'recorded fixtures',
    name: `${fixture.name} (${fixture.mode})`,
    skip: (t) =>
      t.supportedModes().includes(fixture.mode)
        ? undefined
        : `the provider does not support ${fixture.mode} for ${t.model}`,
    async run(t) {
      const outcome = await t.streamWith(
        { kind: 'replay', fixture: fixture.name, chunking: { seed: 42, maxBytes: 32 } },
        fixture.mode,
      );
      const { expected } = fixture;
      if (expected.providerError !== undefined) {
        t.expectStreamError(outcome, [expected.providerError.category]);
        return;
      }
      if (expected.finishReason === 'content_filter' && outcome.error !== undefined) {
        t.expectStreamError(outcome, ['content_filter']);
        return;
      }
      expect(outcome.error, String(outcome.error)).toBeUndefined();
      expect(outcome.text).toBe(expected.text);
      expect(outcome.finish?.finishReason).toBe(expected.finishReason);
      if (expected.usage !== undefined) expect(outcome.finish?.usage).toEqual(expected.usage);
      expect(outcome.parts.find((part) => part.type === 'metadata')).toMatchObject({
        id: expected.id,
        model: expected.model,
      });
    },
  }));
}
