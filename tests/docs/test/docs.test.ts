/**
 * The documentation's TypeScript, as a reader copies it: every ```ts block of
 * README.md, the package READMEs and docs/*.md is written to `.blocks/` here
 * (inside the workspace, so `@structllm/*` and the peers resolve), type-checked
 * with one `tsc`, and each runnable block is run with Node against the fake
 * wire servers of `@structllm/testing`: `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`
 * and `OPENROUTER_BASE_URL` point at them, and they answer every request with a
 * value made from the request's JSON Schema. Markers: see src/blocks.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type RecordedRequest,
  startAnthropicServer,
  startOpenAIServer,
  startOpenRouterServer,
  type WireServer,
} from '@structllm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockSource, type DocBlock, extractBlocks, preludeLines } from '../src/blocks.ts';
import { sampleFromSchema } from '../src/sample.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const out = resolve(here, '../.blocks');

/** README.md, docs/*.md and every README.md under packages/ and apps/. */
function markdownFiles(): string[] {
  const files = ['README.md'];
  for (const name of readdirSync(join(root, 'docs')).sort()) {
    if (name.endsWith('.md')) files.push(`docs/${name}`);
  }
  const visit = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) visit(path);
      else if (entry.name === 'README.md') files.push(path);
    }
  };
  visit('packages');
  visit('apps');
  return files;
}

const blocks: DocBlock[] = markdownFiles().flatMap((file) =>
  extractBlocks(readFileSync(join(root, file), 'utf8'), file),
);
const checked = blocks.filter((block) => block.mode !== 'illustrative');
const fileOf = (block: DocBlock): string =>
  `${block.file.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}.ts`;
const label = (block: DocBlock): string => `${block.file}:${block.line}`;

/** tsc's diagnostics by block file, with lines mapped back to the Markdown. */
const diagnostics = new Map<string, string[]>();
let otherDiagnostics: string[] = [];

beforeAll(async () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // What an application's tsconfig would say, with the workspace's sources as the packages.
  writeFileSync(
    join(out, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        moduleDetection: 'force',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        customConditions: ['@structllm/source'],
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  for (const block of checked) writeFileSync(join(out, fileOf(block)), blockSource(block));
  const tsc = join(here, '../node_modules/typescript/bin/tsc');
  const result = await run(process.execPath, [tsc, '-p', out, '--pretty', 'false'], {
    cwd: out,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const byFile = new Map(checked.map((block) => [fileOf(block), block]));
  for (const line of result.stdout.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block =
      match === null ? undefined : byFile.get(relative(out, resolve(out, match[1] ?? '')));
    if (match === null || block === undefined) {
      if (line.trim() !== '') otherDiagnostics.push(line);
      continue;
    }
    const codeLine = Number(match[2]) - preludeLines(block);
    const where =
      codeLine >= 1 ? `${block.file}:${block.line + codeLine - 1}` : `${label(block)} (prelude)`;
    const list = diagnostics.get(fileOf(block)) ?? [];
    list.push(`${where}: ${match[4]}`);
    diagnostics.set(fileOf(block), list);
  }
  otherDiagnostics = otherDiagnostics.filter((line) => !line.startsWith(' '));
});

describe('the docs have TypeScript blocks, each checked or marked illustrative with a reason', () => {
  it('finds the blocks of README.md, the package READMEs and docs/*.md', () => {
    const files = new Set(blocks.map((block) => block.file));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/migration.md');
    expect(files).toContain('packages/core/README.md');
    for (const block of blocks.filter((b) => b.mode === 'illustrative')) {
      expect(block.reason, label(block)).not.toBe('');
    }
  });
});

describe('every checked block type-checks', () => {
  it('tsc reports nothing outside the blocks', () => {
    expect(otherDiagnostics).toEqual([]);
  });
  it.each(checked.map((block) => [label(block), block] as const))('%s', (_name, block) => {
    expect(diagnostics.get(fileOf(block)) ?? []).toEqual([]);
  });
});

describe('every runnable block runs against the fake wire servers', () => {
  const servers: WireServer[] = [];
  const env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    const answer = (request: RecordedRequest) => ({
      kind: 'generate' as const,
      json: sampleFromSchema(request.schema ?? { type: 'object' }),
    });
    const [openai, anthropic, openrouter] = await Promise.all([
      startOpenAIServer({ defaultScript: answer }),
      startAnthropicServer({ defaultScript: answer }),
      startOpenRouterServer({ defaultScript: answer }),
    ]);
    servers.push(openai, anthropic, openrouter);
    for (const [name, value] of Object.entries(process.env)) {
      if (!name.toLowerCase().startsWith('npm_config_')) env[name] = value;
    }
    Object.assign(env, {
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_API_KEY: 'sk-docs-test',
      ANTHROPIC_BASE_URL: anthropic.baseURL,
      ANTHROPIC_API_KEY: 'sk-ant-docs-test',
      OPENROUTER_BASE_URL: openrouter.baseURL,
      OPENROUTER_API_KEY: 'sk-or-docs-test',
      NO_COLOR: '1',
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  const runnable = checked.filter((block) => block.mode === 'run');
  it.each(runnable.map((block) => [label(block), block] as const))('%s', async (_name, block) => {
    const result = await run(
      process.execPath,
      ['--conditions=@structllm/source', join(out, fileOf(block))],
      { cwd: out, env, timeout: 30_000 },
    ).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code?: number; stderr?: string }) => ({
        code: error.code ?? 1,
        stderr: error.stderr ?? '',
      }),
    );
    expect(result, `${label(block)} exited ${result.code}:\n${result.stderr}`).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
  });
});
