import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readWireFixture, wireFixture, wireFixtures, wireFixturesDir } from '../../src/index.ts';

describe('the wire fixture catalogue', () => {
  it('lists every .sse file in fixtures/wire, and only those', () => {
    const files = readdirSync(wireFixturesDir).filter((name) => name.endsWith('.sse'));
    expect(wireFixtures.map((fixture) => fixture.file).sort()).toEqual(files.sort());
    expect(wireFixtures).toHaveLength(19);
  });

  it('keeps the provenance notes and every licence next to the files', () => {
    for (const name of [
      'README.md',
      'SOURCES.md',
      'LICENSE-anthropic-sdk-typescript.txt',
      'LICENSE-openai-node.txt',
      'LICENSE-openai-python.txt',
      'LICENSE-pydantic-ai.txt',
      'LICENSE-vercel-ai.txt',
    ]) {
      expect(existsSync(`${wireFixturesDir}${name}`), name).toBe(true);
    }
  });

  it('points at files that are complete SSE bodies with JSON payloads', () => {
    for (const fixture of wireFixtures) {
      const body = readFileSync(fixture.path, 'utf8');
      expect(body.endsWith('\n\n'), fixture.name).toBe(true);
      expect(body.includes('\r'), fixture.name).toBe(false);
      for (const event of body.split('\n\n').filter(Boolean)) {
        for (const line of event.split('\n')) {
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          expect(() => JSON.parse(line.slice(6)), `${fixture.name}: ${line}`).not.toThrow();
        }
      }
      expect(readWireFixture(fixture.name)).toEqual(readFileSync(fixture.path));
    }
  });

  it('matches each file to its dialect', () => {
    for (const fixture of wireFixtures) {
      const body = readFileSync(fixture.path, 'utf8');
      if (fixture.dialect === 'anthropic')
        expect(body.startsWith('event: message_start')).toBe(true);
      else expect(body).toContain('"object":"chat.completion.chunk"');
      if (fixture.dialect === 'openrouter') expect(body).toContain(': OPENROUTER PROCESSING');
    }
  });

  it('describes value outcomes whose text parses to the value', () => {
    for (const { name, expected } of wireFixtures) {
      if (expected.engine.outcome === 'value') {
        expect(JSON.parse(expected.text), name).toEqual(expected.engine.value);
        expect(expected.finishReason, name).toBe('stop');
      } else if (expected.providerError !== undefined) {
        expect(expected.engine.category, name).toBe(expected.providerError.category);
      }
    }
    expect(wireFixture('openai-chat-refusal-logprobs').expected.engine).toEqual({
      outcome: 'error',
      category: 'content_filter',
    });
    expect(() => wireFixture('nope' as 'anthropic-text')).toThrow(/Unknown wire fixture/);
  });
});
