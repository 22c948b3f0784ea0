/**
 * The packages as users get them: `pnpm pack` each one as `pnpm pack:all` does
 * (workspace ranges become real versions), install the tarballs with plain npm into a project outside
 * the workspace, type-check a small program against the installed types, and
 * run it against the fake wire servers (and a `redis-server` it starts, for
 * the Redis packages). Needs the packages built (`pnpm build`;
 * `pnpm test` builds them first) and the npm registry for third-party packages.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll } from '../../../scripts/pack-all.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packageNames = {
  core: '@structllm/core',
  testing: '@structllm/testing',
  openai: '@structllm/openai',
  anthropic: '@structllm/anthropic',
  zod: '@structllm/zod',
  valibot: '@structllm/valibot',
  'ai-sdk': '@structllm/ai-sdk',
  http: '@structllm/http',
  react: '@structllm/react',
  redis: '@structllm/redis',
  bullmq: '@structllm/bullmq',
} as const;
type PackageKey = keyof typeof packageNames;

const work = mkdtempSync(join(tmpdir(), 'structllm-packaging-'));
let tarballs = new Map<string, string>();

/**
 * npm as a user runs it: the Node running the tests first on PATH (so installs
 * and scripts use Node 24), and none of the `npm_config_*` settings pnpm passes
 * to its scripts (npm warns "Unknown env config" for each pnpm-only one).
 */
function npm(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_config_')) env[name] = value;
  }
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...env, PATH: path, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
}

function project(name: string, dependencies: string[], files: Record<string, string>): string {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        allowImportingTsExtensions: true,
        types: ['node'],
        lib: ['ES2023', 'DOM'],
      },
      include: ['*.ts'],
    }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  npm(['install', '--no-package-lock', ...dependencies], dir);
  return dir;
}

function installed(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  const names: string[] = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry))) names.push(`${entry}/${scoped}`);
    } else names.push(entry);
  }
  return names;
}

const tools = ['typescript@6.0.3', '@types/node@24.19.2'];

beforeAll(() => {
  // As `pnpm pack:all` does (without its build: \`pnpm test\` builds first).
  tarballs = packAll(join(work, 'packs'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const tgz = (...keys: PackageKey[]) => keys.map((key) => tarballs.get(packageNames[key]) as string);

describe('installed from tarballs with npm, outside the workspace', () => {
  it('core + openai + zod: typed result from the fake OpenAI server, and nothing else installed', () => {
    const dir = project(
      'app-openai-zod',
      [...tgz('core', 'openai', 'zod', 'testing'), 'openai@7.55.0', 'zod@4.6.7', ...tools],
      {
        'main.ts': `import { StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { startOpenAIServer } from '@structllm/testing';
import { fromZod } from '@structllm/zod';
import { z } from 'zod';

const Person = z.object({ name: z.string(), age: z.number().int(), nickname: z.string().optional() });
const server = await startOpenAIServer();
server.enqueue({ kind: 'generate', json: { name: 'Ada', age: 36, nickname: null } });
const service = new StructuredLLMService({
  providers: [createOpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-test' })],
  defaultModel: 'openai/gpt-4o',
});
const person = await service.routeStructured({ prompt: 'Ada', responseModel: fromZod(Person) });
const age: number = person.age;
console.log(JSON.stringify({ ...person, age }));
await server.close();
`,
      },
    );
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual({ name: 'Ada', age: 36 });
    const names = installed(dir);
    expect(names).toEqual(
      expect.arrayContaining(['@structllm/core', '@structllm/openai', 'openai', 'zod']),
    );
    for (const unwanted of [
      '@anthropic-ai/sdk',
      'valibot',
      'prom-client',
      '@opentelemetry/api',
      'vitest',
    ]) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('core + anthropic + valibot: typed result from the fake Anthropic server', () => {
    const dir = project(
      'app-anthropic-valibot',
      [
        ...tgz('core', 'anthropic', 'valibot', 'testing'),
        '@anthropic-ai/sdk@1.10.0',
        'valibot@1.5.0',
        ...tools,
      ],
      {
        'main.ts': `import { createAnthropicProvider } from '@structllm/anthropic';
import { StructuredLLMService } from '@structllm/core';
import { startAnthropicServer } from '@structllm/testing';
import { fromValibot } from '@structllm/valibot';
import * as v from 'valibot';

const Ticket = v.object({ title: v.string(), priority: v.picklist(['low', 'high']) });
const server = await startAnthropicServer();
server.enqueue({ kind: 'generate', json: { title: 'Login fails', priority: 'high' } });
const service = new StructuredLLMService({
  providers: [createAnthropicProvider({ baseURL: server.baseURL, apiKey: 'sk-ant-test' })],
  defaultModel: 'anthropic/claude-sonnet-4-6',
});
const ticket = await service.routeStructured({ prompt: 'triage', responseModel: fromValibot(Ticket) });
const priority: 'low' | 'high' = ticket.priority;
console.log(JSON.stringify({ ...ticket, priority }));
await server.close();
`,
      },
    );
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual({ title: 'Login fails', priority: 'high' });
    const names = installed(dir);
    // (@opentelemetry/api does come here: @anthropic-ai/sdk itself depends on it.)
    for (const unwanted of ['openai', 'zod', 'prom-client', '@structllm/otel']) {
      expect(names).not.toContain(unwanted);
    }
  });

  // ai 7 providers implement LanguageModelV4 (@ai-sdk/provider 4), ai 6 providers LanguageModelV3 (3).
  for (const aiSdkOpenAI of ['@ai-sdk/openai@4.0.118', '@ai-sdk/openai@3.0.141']) {
    it(`core + ai-sdk over ${aiSdkOpenAI}: typed result from the fake OpenAI server`, () => {
      const dir = project(
        `app-ai-sdk-${aiSdkOpenAI.split('@').at(-1)}`,
        [
          ...tgz('core', 'ai-sdk', 'testing'),
          aiSdkOpenAI,
          'zod@4.6.7',
          // @ai-sdk/provider's declarations import 'json-schema' types it does not depend on.
          '@types/json-schema@7.0.15',
          ...tools,
        ],
        {
          'main.ts': `import { createOpenAI } from '@ai-sdk/openai';
import { fromAISDK } from '@structllm/ai-sdk';
import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { startOpenAIServer } from '@structllm/testing';

const server = await startOpenAIServer();
server.enqueue({ kind: 'error', status: 429, retryAfterMs: 10 });
server.enqueue({ kind: 'generate', json: { name: 'Ada', born: 1815 }, chunkSize: 4 });
const model = createOpenAI({ baseURL: server.baseURL, apiKey: 'sk-test' }).chat('gpt-4o');
const service = new StructuredLLMService({
  providers: [fromAISDK(model)],
  defaultModel: 'openai/gpt-4o',
  retry: { baseDelayMs: 5 },
});
const stream = service.routeStructuredStreaming({
  prompt: 'Ada',
  responseModel: jsonSchema<{ name: string; born: number }>({
    type: 'object',
    properties: { name: { type: 'string' }, born: { type: 'integer' } },
    required: ['name', 'born'],
    additionalProperties: false,
  }),
});
for await (const _ of stream) {}
const person = await stream.result;
const born: number = person.born;
console.log(JSON.stringify({ ...person, born, attempts: stream.attempts.length, mode: server.requests[1]?.mode }));
await server.close();
`,
        },
      );
      npm(['exec', '--', 'tsc', '-p', '.'], dir);
      const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
      expect(JSON.parse(output.trim())).toEqual({
        name: 'Ada',
        born: 1815,
        attempts: 2,
        mode: 'json_schema',
      });
      const names = installed(dir);
      expect(names).toEqual(expect.arrayContaining(['@structllm/ai-sdk', '@ai-sdk/provider']));
      for (const unwanted of ['openai', '@anthropic-ai/sdk', 'ai', 'valibot']) {
        expect(names).not.toContain(unwanted);
      }
    });
  }

  it('core + http: a node:http server with writeEventStream, read back with readStructuredStream', () => {
    const dir = project('app-http', [...tgz('core', 'http', 'testing'), ...tools], {
      'main.ts': `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonSchema, StructuredLLMService, type StreamingResponse } from '@structllm/core';
import { writeEventStream } from '@structllm/http';
import { readStructuredStream } from '@structllm/http/client';
import { createMockProvider } from '@structllm/testing';

type Profile = { name: string; skills: string[] };
const responseModel = jsonSchema<Profile>({
  type: 'object',
  properties: { name: { type: 'string' }, skills: { type: 'array', items: { type: 'string' } } },
  required: ['name', 'skills'],
  additionalProperties: false,
});
const answer = { name: 'Ada', skills: ['maths', 'engines', 'poetry'] };
const service = new StructuredLLMService({
  // The first call fails half-way, the retry succeeds: the client sees attempt 2 start over.
  providers: [
    createMockProvider({
      responses: [
        { json: answer, chunkSize: 4, failAfterChunks: 5 },
        { json: answer, chunkSize: 4 },
      ],
    }),
  ],
  defaultModel: 'mock/m',
  retry: { baseDelayMs: 5 },
});
const server = createServer((req, res) => {
  void writeEventStream(service.routeStructuredStreaming({ prompt: 'Ada', responseModel }), res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const stream = readStructuredStream(\`http://127.0.0.1:\${port}/\`, { responseModel });
const attempts = new Set<number>();
for await (const response of stream) {
  const typed: StreamingResponse<Profile> = response;
  attempts.add(typed.attempt);
}
const profile = await stream.result;
const skills: string[] = profile.skills;
console.log(JSON.stringify({ profile: { ...profile, skills }, attempts: [...attempts] }));
server.close();
`,
    });
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual({
      profile: { name: 'Ada', skills: ['maths', 'engines', 'poetry'] },
      attempts: [1, 2],
    });
    const names = installed(dir);
    expect(names).toEqual(expect.arrayContaining(['@structllm/core', '@structllm/http']));
    for (const unwanted of ['react', 'openai', '@anthropic-ai/sdk', 'ioredis', 'zod']) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('core + http + react: the hook imports, type-checks and renders with react-dom/server', () => {
    const dir = project(
      'app-react',
      [
        ...tgz('core', 'http', 'react'),
        'react@19.3.1',
        'react-dom@19.3.1',
        '@types/react@19.3.3',
        '@types/react-dom@19.3.0',
        ...tools,
      ],
      {
        'main.ts': `import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { type StructuredStreamStatus, useStructuredStream } from '@structllm/react';

type Profile = { name: string; skills: string[] };

function ProfileView() {
  const { partial, progress, attempt, status, error } = useStructuredStream<Profile, { prompt: string }>({
    api: '/api/profile',
    resumeUrl: (id) => \`/api/runs/\${id}\`,
  });
  const shown: StructuredStreamStatus = status;
  const name: string | undefined = partial?.name;
  return createElement(
    'p',
    null,
    \`\${shown} \${progress}% attempt \${attempt} \${name ?? '-'} \${error?.category ?? 'ok'}\`,
  );
}

console.log(renderToString(createElement(ProfileView)));
`,
      },
    );
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(output.trim()).toBe('<p>idle 0% attempt 0 - ok</p>');
    const names = installed(dir);
    expect(names).toEqual(
      expect.arrayContaining(['@structllm/react', '@structllm/http', 'react', 'react-dom']),
    );
    for (const unwanted of ['openai', '@anthropic-ai/sdk', 'zod', 'happy-dom', 'vitest']) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('core + redis + http: breaker store, rate limiter and stream store on a started redis-server', () => {
    const dir = project(
      'app-redis',
      [...tgz('core', 'redis', 'http', 'testing'), 'ioredis@6.0.0', ...tools],
      {
        'main.ts': `import { createCircuitBreaker, jsonSchema, StructuredLLMService } from '@structllm/core';
import { StreamRuns, type StreamStore } from '@structllm/http';
import {
  createRedisBreakerStore,
  createRedisRateLimiter,
  createRedisStreamStore,
} from '@structllm/redis';
import { createMockProvider } from '@structllm/testing';
import { startRedisServer } from '@structllm/testing/redis';
import { Redis } from 'ioredis';

const server = await startRedisServer();
const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', () => {});
await new Promise((resolve) => redis.once('ready', resolve));
const service = new StructuredLLMService({
  providers: [createMockProvider({ responses: [{ json: { ok: true } }] })],
  defaultModel: 'mock/m',
  breaker: createCircuitBreaker({ store: createRedisBreakerStore(redis, { prefix: 'app:' }) }),
  rateLimiter: createRedisRateLimiter(redis, { prefix: 'app:', requestsPerMinute: 100 }),
});
const answer = await service.routeStructured({
  prompt: 'ok?',
  responseModel: jsonSchema<{ ok: boolean }>({
    type: 'object',
    properties: { ok: { type: 'boolean' } },
    required: ['ok'],
  }),
});
const ok: boolean = answer.ok;
const store: StreamStore = createRedisStreamStore(redis, { prefix: 'app:', maxLength: 2 });
const runs = new StreamRuns({ store });
await store.create('run');
for (const id of [1, 2, 3]) await store.append('run', { id, type: 'text', data: \`1 0\\n\${id}\` });
await store.end('run');
const kept = await store.read('run', 1);
const trimmed = await store.read('run', 0);
const keys = (await redis.keys('app:*')).map((key) => key.split(':')[1]).sort();
console.log(JSON.stringify({ ok, kept, trimmed, running: runs.running, keys: [...new Set(keys)] }));
redis.disconnect();
await server.stop();
`,
      },
    );
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual({
      ok: true,
      kept: {
        state: 'ended',
        events: [
          { id: 2, type: 'text', data: '1 0\n2' },
          { id: 3, type: 'text', data: '1 0\n3' },
        ],
      },
      trimmed: { state: 'expired' },
      running: 0,
      keys: ['breaker', 'rate', 'stream'],
    });
    const names = installed(dir);
    expect(names).toEqual(expect.arrayContaining(['@structllm/redis', 'ioredis']));
    for (const unwanted of ['bullmq', 'openai', '@anthropic-ai/sdk', 'zod', 'valibot']) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('core + bullmq: a batch through a worker on a started redis-server, results in input order', () => {
    const dir = project(
      'app-bullmq',
      [...tgz('core', 'bullmq', 'testing'), 'bullmq@6.7.0', 'ioredis@6.0.0', ...tools],
      {
        'main.ts': `import { StructuredLLMService } from '@structllm/core';
import { createStructuredQueue, createStructuredWorker } from '@structllm/bullmq';
import { createMockProvider } from '@structllm/testing';
import { startRedisServer } from '@structllm/testing/redis';
import { Redis } from 'ioredis';

const server = await startRedisServer();
const connection = new Redis(server.url, { maxRetriesPerRequest: null });
const service = new StructuredLLMService({
  providers: [
    createMockProvider({
      responses: (call) => ({ json: { words: JSON.stringify(call.messages).length } }),
    }),
  ],
  defaultModel: 'mock/m',
});
const worker = createStructuredWorker(service, connection, { concurrency: 2 });
const queue = createStructuredQueue(connection);
const schema = {
  type: 'object',
  properties: { words: { type: 'integer' } },
  required: ['words'],
} as const;
const batchId = await queue.enqueueBatch(
  ['a', 'bb', 'ccc'].map((prompt) => ({ prompt, schema })),
  { batchId: 'batch-1' },
);
const results = await queue.watchBatch<{ words: number }>(batchId, { intervalMs: 50 }).results;
const statuses: string[] = results.map((result) => result.status);
const values = results.map((result) => (result.status === 'fulfilled' ? result.value.words : -1));
console.log(JSON.stringify({ batchId, statuses, increasing: values[0]! < values[1]! && values[1]! < values[2]! }));
await worker.close();
await queue.close();
connection.disconnect();
await server.stop();
`,
      },
    );
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = execFileSync(process.execPath, ['main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual({
      batchId: 'batch-1',
      statuses: ['fulfilled', 'fulfilled', 'fulfilled'],
      increasing: true,
    });
    const names = installed(dir);
    expect(names).toEqual(expect.arrayContaining(['@structllm/bullmq', 'bullmq', 'ioredis']));
    for (const unwanted of ['@structllm/redis', '@structllm/http', 'openai', 'zod']) {
      expect(names).not.toContain(unwanted);
    }
  });

  it('core + a custom provider: the plugin author passes the conformance suite', () => {
    const example = join(root, 'packages/testing/test/conformance');
    const dir = project('plugin-author', [...tgz('core', 'testing'), 'vitest@5.1.1', ...tools], {
      'conformance.test.ts': `import { runProviderConformance } from '@structllm/testing/conformance';
import { createExampleProvider } from './example-openai-provider.ts';

runProviderConformance({
  dialect: 'openai',
  createProvider: ({ baseURL, apiKey }) => createExampleProvider({ baseURL, apiKey }),
});
`,
    });
    // The provider a plugin author writes: the fetch-based example from the testing kit's own tests.
    for (const file of ['example-openai-provider.ts', 'sse-messages.ts']) {
      copyFileSync(join(example, file), join(dir, file));
    }
    npm(['exec', '--', 'tsc', '-p', '.'], dir);
    const output = npm(['exec', '--', 'vitest', 'run', '--reporter=dot', '--no-color'], dir)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal colours
      .replace(/\u001b\[[0-9;]*m/g, '');
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed/);
  });
});
