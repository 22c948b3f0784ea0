/**
 * Bundle size, side by side: what each library adds to an application that
 * imports the named exports, bundled by esbuild (minified, tree-shaken, every
 * dependency included) and gzipped at level 9. Prints a Markdown table.
 *
 * `@structllm/core` is measured from its published build (`pnpm build` first).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const coreBuild = resolve(here, '../../core/dist/index.js');
const coreStrictBuild = resolve(here, '../../core/dist/strict.js');

interface Entry {
  readonly library: string;
  readonly imports: string;
  readonly what: string;
  readonly from: string;
}

const entries: readonly Entry[] = [
  {
    library: '@structllm/core',
    imports: '*',
    what: 'everything: engine, parser, JSON Schema validator',
    from: coreBuild,
  },
  {
    library: '@structllm/core/strict',
    imports: '*',
    what: 'the OpenAI strict-mode converter and strictJsonSchema (with the model code they share)',
    from: coreStrictBuild,
  },
  {
    library: '@structllm/core',
    imports: 'StructuredLLMService, jsonSchema',
    what: 'streaming structured output with retries, breaker, progress',
    from: coreBuild,
  },
  {
    library: '@structllm/core',
    imports: 'createJsonStreamParser',
    what: 'the incremental parser alone',
    from: coreBuild,
  },
  { library: 'ai', imports: 'streamObject', what: 'streaming structured output', from: 'ai' },
  { library: 'ai', imports: 'parsePartialJson', what: 'partial JSON parsing', from: 'ai' },
  { library: 'jsonriver', imports: 'parse', what: 'incremental parser', from: 'jsonriver' },
  { library: 'partial-json', imports: 'parse', what: 'partial JSON parsing', from: 'partial-json' },
  {
    library: '@streamparser/json',
    imports: 'JSONParser',
    what: 'incremental parser',
    from: '@streamparser/json',
  },
];

async function measure(entry: Entry): Promise<{ minified: number; gzipped: number }> {
  const specifier = JSON.stringify(entry.from);
  const source =
    entry.imports === '*'
      ? `export * from ${specifier};`
      : `export { ${entry.imports} } from ${specifier};`;
  const result = await build({
    stdin: { contents: source, resolveDir: join(here, '..'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${entry.library}`);
  return {
    minified: output.contents.length,
    gzipped: gzipSync(output.contents, { level: 9 }).length,
  };
}

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;

if (!existsSync(coreBuild)) {
  console.error('Build @structllm/core first: pnpm build');
  process.exit(1);
}
console.log('## Bundle size (esbuild, minified + gzip -9, dependencies included)\n');
console.log('| library | imports | what | minified | min + gzip |');
console.log('| --- | --- | --- | ---: | ---: |');
for (const entry of entries) {
  const size = await measure(entry);
  console.log(
    `| ${entry.library} | \`${entry.imports}\` | ${entry.what} | ${kB(size.minified)} | ${kB(size.gzipped)} |`,
  );
}
