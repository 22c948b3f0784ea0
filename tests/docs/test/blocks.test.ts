import { describe, expect, it } from 'vitest';
import { blockSource, DocMarkerError, extractBlocks, preludeLines } from '../src/blocks.ts';
import { sampleFromSchema } from '../src/sample.ts';

describe('extractBlocks', () => {
  it('takes ts blocks only, run by default, with the line of their first code line', () => {
    const md = ['# T', '', '```ts', 'const a = 1;', '```', '', '```sh', 'ls', '```'].join('\n');
    expect(extractBlocks(md, 'x.md')).toEqual([
      { file: 'x.md', line: 4, mode: 'run', reason: '', prelude: '', code: 'const a = 1;' },
    ]);
  });

  it('reads a marker above the fence, with its reason and prelude', () => {
    const md = [
      '<!-- doc-test: typecheck needs a key',
      "import type { StructuredLLMService } from '@structllm/core';",
      'declare const service: StructuredLLMService;',
      '-->',
      '',
      '```ts',
      'service.close();',
      '```',
    ].join('\n');
    const [block] = extractBlocks(md, 'x.md');
    expect(block?.mode).toBe('typecheck');
    expect(block?.reason).toBe('needs a key');
    expect(block && preludeLines(block)).toBe(2);
    expect(block && blockSource(block)).toBe(
      "import type { StructuredLLMService } from '@structllm/core';\n" +
        'declare const service: StructuredLLMService;\nservice.close();\n',
    );
  });

  it('takes indented blocks (inside lists and tables) without their indent', () => {
    const md = ['- item', '', '  ```ts', '  let b = 2;', '  ```'].join('\n');
    expect(extractBlocks(md, 'x.md')[0]?.code).toBe('let b = 2;');
  });

  it('refuses an illustrative block without a reason, and an unknown mode', () => {
    const bare = '<!-- doc-test: illustrative -->\n```ts\nx\n```';
    expect(() => extractBlocks(bare, 'x.md')).toThrow(DocMarkerError);
    const unknown = '<!-- doc-test: skip -->\n```ts\nx\n```';
    expect(() => extractBlocks(unknown, 'x.md')).toThrow(/run, typecheck or illustrative/);
  });

  it('ignores other comments above a block', () => {
    const md = '<!-- a note -->\n```ts\nx\n```';
    expect(extractBlocks(md, 'x.md')[0]?.mode).toBe('run');
  });
});

describe('sampleFromSchema', () => {
  it('answers a strict-mode object schema with every property', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        skills: { type: 'array', items: { type: 'string' } },
        bio: { type: ['string', 'null'] },
        level: { enum: ['junior', 'senior'] },
        age: { type: 'integer', minimum: 18 },
        owner: { $ref: '#/$defs/person' },
      },
      $defs: {
        person: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
      },
    };
    expect(sampleFromSchema(schema)).toEqual({
      name: 'example',
      skills: ['example'],
      bio: 'example',
      level: 'junior',
      age: 18,
      owner: { email: 'ada@example.com' },
    });
  });
});
