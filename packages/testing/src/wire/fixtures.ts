import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WireFixture, WireFixtureName } from './types.ts';

/**
 * The folder holding the `.sse` files: `fixtures/wire/` at the package root,
 * reached from `src/wire/` (sources) or from `dist/` (the build).
 */
function findFixturesDir(): string {
  for (const relative of ['../../fixtures/wire/', '../fixtures/wire/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}SOURCES.md`)) return dir;
  }
  throw new Error('@structllm/testing: the fixtures/wire folder is missing from the package');
}

/** Absolute path of the folder holding the recorded `.sse` fixtures (with SOURCES.md and licences). */
export const wireFixturesDir: string = findFixturesDir();

type Entry = Omit<WireFixture, 'path' | 'file'>;

const CITY_SF_C = '{"city":"San Francisco","units":"c"}';

const entries: readonly Entry[] = [
  {
    name: 'openai-chat-json-schema-1',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: true,
    description:
      'gpt-4o with a json_schema response_format: JSON content deltas, finish "stop", then a usage chunk with `choices: []`.',
    expected: {
      text: CITY_SF_C,
      finishReason: 'stop',
      wireFinishReason: 'stop',
      usage: { inputTokens: 17, outputTokens: 10 },
      id: 'chatcmpl-9tZXEmwtoDf6vqCqEWSvDP8jx9OXe',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'value', value: { city: 'San Francisco', units: 'c' } },
    },
  },
  {
    name: 'openai-chat-json-schema-logprobs',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: true,
    description:
      'The same structured-output request with `logprobs: true`: every content delta carries logprobs.',
    expected: {
      text: '{"city":"San Francisco","units":"f"}',
      finishReason: 'stop',
      wireFinishReason: 'stop',
      usage: { inputTokens: 17, outputTokens: 10 },
      id: 'chatcmpl-9tZXFsqeQOozn5YU8I6SbjkmDnN76',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'value', value: { city: 'San Francisco', units: 'f' } },
    },
  },
  {
    name: 'openai-chat-json-schema-leading-newlines-variant',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: false,
    description:
      'Hand-edited upstream from openai-chat-json-schema-1: a `"\\n\\n"` content chunk before the JSON starts.',
    expected: {
      text: `\n\n${CITY_SF_C}`,
      finishReason: 'stop',
      wireFinishReason: 'stop',
      usage: { inputTokens: 17, outputTokens: 10 },
      id: 'chatcmpl-9tZXEmwtoDf6vqCqEWSvDP8jx9OXe',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'value', value: { city: 'San Francisco', units: 'c' } },
    },
  },
  {
    name: 'openai-chat-json-schema-length-truncated',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: true,
    description:
      'Stopped by max_tokens: the only content delta is `{"`, then finish "length"; the JSON stays incomplete.',
    expected: {
      text: '{"',
      finishReason: 'length',
      wireFinishReason: 'length',
      usage: { inputTokens: 79, outputTokens: 1 },
      id: 'chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'error', category: 'length' },
    },
  },
  {
    name: 'openai-chat-json-schema-n3-choices',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: true,
    description:
      'n=3: three choices (index 0, 1, 2) interleaved chunk by chunk; a provider reads choice 0.',
    expected: {
      text: '{"city":"San Francisco","temperature":65,"units":"f"}',
      finishReason: 'stop',
      wireFinishReason: 'stop',
      usage: { inputTokens: 79, outputTokens: 42 },
      id: 'chatcmpl-ABfw2KKFuVXmEJgVwYfBvejMAdWtq',
      model: 'gpt-4o-2024-08-06',
      engine: {
        outcome: 'value',
        value: { city: 'San Francisco', temperature: 65, units: 'f' },
      },
    },
  },
  {
    name: 'openai-chat-refusal-logprobs',
    dialect: 'openai',
    mode: 'json_schema',
    recorded: true,
    description:
      'A refusal: `delta.refusal` text, `content: null`, finish "stop". The request must fail as content_filter.',
    expected: {
      text: '',
      finishReason: 'content_filter',
      wireFinishReason: 'stop',
      usage: { inputTokens: 17, outputTokens: 13 },
      id: 'chatcmpl-9tZXGacdbmJYO8K50haE4OauaJmPn',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'error', category: 'content_filter' },
    },
  },
  {
    name: 'openai-chat-tool-call-strict',
    dialect: 'openai',
    mode: 'tool',
    recorded: true,
    description:
      'One strict function tool call (`GetWeatherArgs`) whose arguments arrive in small fragments; finish "tool_calls".',
    expected: {
      text: '{"city":"Edinburgh","country":"UK","units":"c"}',
      finishReason: 'stop',
      wireFinishReason: 'tool_calls',
      usage: { inputTokens: 76, outputTokens: 24 },
      id: 'chatcmpl-ABfw8AOXnoa2kzy11vVTSjuQhHCQr',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'value', value: { city: 'Edinburgh', country: 'UK', units: 'c' } },
    },
  },
  {
    name: 'openai-chat-tool-calls-parallel',
    dialect: 'openai',
    mode: 'tool',
    recorded: true,
    description:
      'Two tool calls in one response (index 0 `GetWeatherArgs`, index 1 `get_stock_price`); the structured output is the first.',
    expected: {
      text: '{"city": "Edinburgh", "country": "GB", "units": "c"}',
      finishReason: 'stop',
      wireFinishReason: 'tool_calls',
      usage: { inputTokens: 149, outputTokens: 60 },
      id: 'chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63',
      model: 'gpt-4o-2024-08-06',
      engine: { outcome: 'value', value: { city: 'Edinburgh', country: 'GB', units: 'c' } },
    },
  },
  {
    name: 'openai-compatible-tool-call-index-1',
    dialect: 'openai',
    mode: 'tool',
    recorded: true,
    description:
      'An OpenAI-compatible gateway: prose content first ("Reading it."), then one tool call whose `index` is 1, not 0; no usage.',
    expected: {
      text: '{"path": "a.txt"}',
      finishReason: 'stop',
      wireFinishReason: 'tool_calls',
      usage: undefined,
      id: 'msg_sanitized',
      model: 'claude-haiku-4-5-20251001',
      engine: { outcome: 'value', value: { path: 'a.txt' } },
    },
  },
  {
    name: 'openai-compatible-alibaba-tool-call',
    dialect: 'openai',
    mode: 'tool',
    recorded: true,
    description:
      'qwen3-max: continuation deltas repeat `id: ""` and `type`, a trailing empty-arguments delta, then a usage chunk with `choices: []`.',
    expected: {
      text: '{"location": "San Francisco"}',
      finishReason: 'stop',
      wireFinishReason: 'tool_calls',
      usage: { inputTokens: 295, outputTokens: 22 },
      id: 'chatcmpl-8e243c57-23b3-9db2-a02e-e3c53929c368',
      model: 'qwen3-max',
      engine: { outcome: 'value', value: { location: 'San Francisco' } },
    },
  },
  {
    name: 'openai-compatible-groq-error-midstream',
    dialect: 'openai',
    mode: 'tool',
    recorded: true,
    description:
      'Groq: 93 `delta.reasoning` chunks, then `event: error` with an invalid_request_error (status_code 400) and no `[DONE]`; HTTP 200.',
    expected: {
      text: '',
      finishReason: undefined,
      wireFinishReason: undefined,
      usage: undefined,
      id: 'chatcmpl-4f39f3af-3267-4ac1-a0cf-6aa7451877dc',
      model: 'openai/gpt-oss-120b',
      providerError: {
        category: 'bad_request',
        status: 400,
        messageIncludes: 'Tool call validation failed',
      },
      engine: { outcome: 'error', category: 'bad_request' },
    },
  },
  {
    name: 'openrouter-error-midstream',
    dialect: 'openrouter',
    mode: 'prompt',
    recorded: true,
    description:
      'OpenRouter: 17 `: OPENROUTER PROCESSING` comments, reasoning chunks (two with finish "length"), then a chunk with a top-level `error` {code: 400, "Token limit reached"}, then `[DONE]`.',
    expected: {
      text: '',
      finishReason: undefined,
      wireFinishReason: 'length',
      usage: { inputTokens: 43, outputTokens: 10 },
      id: 'gen-1762179802-UN8pkJI4AGZvryk0kFnb',
      model: 'minimax/minimax-m2:free',
      providerError: {
        category: 'bad_request',
        status: 400,
        messageIncludes: 'Token limit reached',
      },
      engine: { outcome: 'error', category: 'bad_request' },
    },
  },
  {
    name: 'openrouter-reasoning-text',
    dialect: 'openrouter',
    mode: 'prompt',
    recorded: true,
    description:
      'OpenRouter routing claude-sonnet-4.5: comments interleaved, reasoning deltas, prose content "2 + 2 = 4", usage on a chunk with non-empty `choices`. Prose, so the engine fails to parse it.',
    expected: {
      text: '2 + 2 = 4',
      finishReason: 'stop',
      wireFinishReason: 'stop',
      usage: { inputTokens: 43, outputTokens: 36 },
      id: 'gen-1765226419-AGrwjunAftQIAgweibL8',
      model: 'anthropic/claude-sonnet-4.5',
      engine: { outcome: 'error', category: 'parse' },
    },
  },
  {
    name: 'anthropic-text',
    dialect: 'anthropic',
    mode: 'prompt',
    recorded: true,
    description:
      'Plain text "Hello there!" with a `ping` (written `{"type": "ping"}`); end_turn. Prose, so the engine fails to parse it.',
    expected: {
      text: 'Hello there!',
      finishReason: 'stop',
      wireFinishReason: 'end_turn',
      usage: { inputTokens: 11, outputTokens: 6 },
      id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK',
      model: 'claude-opus-4-8',
      engine: { outcome: 'error', category: 'parse' },
    },
  },
  {
    name: 'anthropic-tool-use',
    dialect: 'anthropic',
    mode: 'tool',
    recorded: true,
    description:
      'A text block, then a `tool_use` block (`get_weather`) whose input streams as `input_json_delta` fragments; stop_reason "tool_use".',
    expected: {
      text: '{"location": "Paris"}',
      finishReason: 'stop',
      wireFinishReason: 'tool_use',
      usage: { inputTokens: 377, outputTokens: 65 },
      id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr',
      model: 'claude-opus-4-8',
      engine: { outcome: 'value', value: { location: 'Paris' } },
    },
  },
  {
    name: 'anthropic-incomplete-partial-json',
    dialect: 'anthropic',
    mode: 'tool',
    recorded: true,
    description:
      'A `tool_use` input cut off mid-string, no `content_block_stop` for it, stop_reason "max_tokens"; some `data:` lines carry trailing spaces.',
    expected: {
      text: '{"filename": "taxes.txt", "lines_of_text": [\n"# COMPREHENSIVE TAX GUIDE FOR INDIVIDUALS WITH MULTIPLE W-2s",\n"",\n"## INTRODUCTION",\n"",\n"Filing taxes',
      finishReason: 'length',
      wireFinishReason: 'max_tokens',
      usage: { inputTokens: 450, outputTokens: 124 },
      id: 'msg_01UdjYBBipA9omjYhicnevgq',
      model: 'claude-sonnet-4-5',
      engine: { outcome: 'error', category: 'length' },
    },
  },
  {
    name: 'anthropic-json-output-format',
    dialect: 'anthropic',
    mode: 'json_schema',
    recorded: true,
    description:
      'Native JSON-schema output format: JSON streamed as `text_delta`s with a `ping` in between; end_turn.',
    expected: {
      text: '{"characters":[{"name":"Theron Ironheart","class":"warrior","description":"A battle-scarred veteran with steel-gray hair and a prominent scar across his left eye. Wielding a massive two-handed sword passed down through his family for generations, Theron fights with disciplined precision honed through decades of combat. Despite his gruff exterior, he harbors a deep sense of honor and protects the weak without hesitation."},{"name":"Lyra Starweaver","class":"mage","description":"A young prodigy in the arcane arts with flowing silver robes adorned with celestial patterns. Her eyes glow faintly blue when channeling powerful spells. Lyra specializes in elemental magic and astral divination, having studied at the Grand Academy since childhood. She is curious and idealistic, often getting into trouble while pursuing forbidden knowledge."},{"name":"Rook Shadowstep","class":"thief","description":"A nimble and cunning rogue who moves through shadows like a whisper in the night. With jet-black hair, leather armor, and an array of lockpicks and daggers hidden on his person, Rook makes his living liberating treasures from those he deems unworthy of them. Behind his cocky smile lies a troubled past and a strict personal code about who deserves to be robbed."}]}',
      finishReason: 'stop',
      wireFinishReason: 'end_turn',
      usage: { inputTokens: 313, outputTokens: 305 },
      id: 'msg_01KbeodbKEyjf2fLb2Jnkr5s',
      model: 'claude-sonnet-4-5-20250929',
      engine: {
        outcome: 'value',
        value: {
          characters: [
            {
              name: 'Theron Ironheart',
              class: 'warrior',
              description:
                'A battle-scarred veteran with steel-gray hair and a prominent scar across his left eye. Wielding a massive two-handed sword passed down through his family for generations, Theron fights with disciplined precision honed through decades of combat. Despite his gruff exterior, he harbors a deep sense of honor and protects the weak without hesitation.',
            },
            {
              name: 'Lyra Starweaver',
              class: 'mage',
              description:
                'A young prodigy in the arcane arts with flowing silver robes adorned with celestial patterns. Her eyes glow faintly blue when channeling powerful spells. Lyra specializes in elemental magic and astral divination, having studied at the Grand Academy since childhood. She is curious and idealistic, often getting into trouble while pursuing forbidden knowledge.',
            },
            {
              name: 'Rook Shadowstep',
              class: 'thief',
              description:
                'A nimble and cunning rogue who moves through shadows like a whisper in the night. With jet-black hair, leather armor, and an array of lockpicks and daggers hidden on his person, Rook makes his living liberating treasures from those he deems unworthy of them. Behind his cocky smile lies a troubled past and a strict personal code about who deserves to be robbed.',
            },
          ],
        },
      },
    },
  },
  {
    name: 'anthropic-json-tool',
    dialect: 'anthropic',
    mode: 'tool',
    recorded: true,
    description:
      'Structured output through a `tool_use` block named `json`: an empty `input_json_delta`, a `ping`, the object, a final `}`.',
    expected: {
      text: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}',
      finishReason: 'stop',
      wireFinishReason: 'tool_use',
      usage: { inputTokens: 849, outputTokens: 47 },
      id: 'msg_01K2JbSUMYhez5RHoK9ZCj9U',
      model: 'claude-haiku-4-5-20251001',
      engine: {
        outcome: 'value',
        value: {
          elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }],
        },
      },
    },
  },
  {
    name: 'anthropic-tool-use-no-args',
    dialect: 'anthropic',
    mode: 'tool',
    recorded: true,
    description:
      'A `tool_use` block whose only `input_json_delta` is "": the tool takes no arguments. Its `content_block_start` input is `{}`, so a provider reports `{}`.',
    expected: {
      text: '{}',
      finishReason: 'stop',
      wireFinishReason: 'tool_use',
      usage: { inputTokens: 565, outputTokens: 48 },
      id: 'msg_01GE2RKp1VYsPzdFs3sS9z5S',
      model: 'claude-sonnet-4-5-20250929',
      engine: { outcome: 'value', value: {} },
    },
  },
];

/**
 * The recorded fixtures with what each should produce, so provider tests can
 * loop over all of them: replay each through the real SDK and the provider
 * (`server.enqueue({ kind: 'replay', fixture: f.name })`) and compare with
 * `f.expected`. Files and provenance: `fixtures/wire/SOURCES.md`.
 */
export const wireFixtures: readonly WireFixture[] = Object.freeze(
  entries.map((entry) =>
    Object.freeze({
      ...entry,
      file: `${entry.name}.sse`,
      path: `${wireFixturesDir}${entry.name}.sse`,
    }),
  ),
);

/** The catalogue entry of a fixture. */
export function wireFixture(name: WireFixtureName): WireFixture {
  const found = wireFixtures.find((fixture) => fixture.name === name);
  if (found === undefined) throw new Error(`Unknown wire fixture "${name}"`);
  return found;
}

const bodies = new Map<string, Buffer>();

/** The fixture's bytes, exactly as stored (cached). */
export function readWireFixture(fixture: WireFixtureName | WireFixture): Buffer {
  const path = typeof fixture === 'string' ? wireFixture(fixture).path : fixture.path;
  let body = bodies.get(path);
  if (body === undefined) {
    body = readFileSync(path);
    bodies.set(path, body);
  }
  return body;
}
