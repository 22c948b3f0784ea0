import { defineConfig, type Options } from 'tsup';

/** The build every published package uses: ESM with declarations, from src/index.ts. */
export function structllmBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'es2023',
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    ...overrides,
  });
}
