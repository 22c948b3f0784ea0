import { readFile } from 'node:fs/promises';
import { createRequire, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/** A file the page loads, read on its first request and kept. */
interface Asset {
  readonly contentType: string;
  readonly body: string;
}

const require = createRequire(import.meta.url);

/** The page's icon: the bar of a progress meter. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5fd0"/><rect x="6" y="13" width="20" height="6" rx="3" fill="#ffffff" opacity=".35"/><rect x="6" y="13" width="13" height="6" rx="3" fill="#ffffff"/></svg>`;

/**
 * The browser module is TypeScript (type-checked with the rest of the demo);
 * Node strips its types on the first request. Node marks that function
 * experimental and says so once per process: the page is not the place for
 * that note, so only that one warning is held back.
 */
function stripTypes(source: string): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('stripTypeScriptTypes')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** One minified ES module for the browser, bundled from the workspace sources. */
async function browserBundle(options: BuildOptions): Promise<string> {
  const result = await build({
    ...options,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@structllm/source'],
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild wrote no bundle');
  return output.text;
}

/**
 * `@structllm/http/client` for the browser: one ES module (the page's import map points the
 * bare specifier at it), bundled with its part of `@structllm/core`.
 */
const bundleHttpClient = (): Promise<string> =>
  browserBundle({
    stdin: {
      contents: "export * from '@structllm/http/client';",
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
  });

/**
 * The React page (`react-app.tsx`) for the browser: one ES module with React, react-dom,
 * `@structllm/react` and the http client, JSX by esbuild's automatic runtime.
 */
const bundleReactApp = (): Promise<string> =>
  browserBundle({
    entryPoints: [fileURLToPath(new URL('./react-app.tsx', import.meta.url))],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
  });

const loaders: Record<string, () => Promise<Asset>> = {
  'structllm-http-client.js': async () => ({
    contentType: 'text/javascript; charset=utf-8',
    body: await bundleHttpClient(),
  }),
  'react-app.js': async () => ({
    contentType: 'text/javascript; charset=utf-8',
    body: await bundleReactApp(),
  }),
  'client.js': async () => ({
    contentType: 'text/javascript; charset=utf-8',
    body: stripTypes(await readFile(new URL('./client.ts', import.meta.url), 'utf8')),
  }),
  'uplot.js': async () => ({
    contentType: 'text/javascript; charset=utf-8',
    body: await readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
  }),
  'uplot.css': async () => ({
    contentType: 'text/css; charset=utf-8',
    body: await readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }),
  'favicon.svg': async () => ({ contentType: 'image/svg+xml', body: FAVICON }),
};

const cache = new Map<string, Promise<Asset>>();

/** The asset called `name`, or undefined when there is none. */
export function loadAsset(name: string): Promise<Asset> | undefined {
  const load = loaders[name];
  if (load === undefined) return undefined;
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = load();
    // A failed read is tried again on the next request.
    asset.catch(() => cache.delete(name));
    cache.set(name, asset);
  }
  return asset;
}
