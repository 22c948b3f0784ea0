import { configDefaults, defineProject } from 'vitest/config';

/**
 * Per-package vitest project. Workspace packages resolve to their TypeScript
 * sources through the `@structllm/source` export condition, so tests never
 * need a build.
 */
export function structllmProject(name: string, extra: { include?: string[] } = {}) {
  return defineProject({
    resolve: { conditions: ['@structllm/source'] },
    ssr: { resolve: { conditions: ['@structllm/source'] } },
    test: {
      name,
      include: extra.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: [...configDefaults.exclude, '**/dist/**'],
      environment: 'node',
      // Property tests run hundreds of cases: seconds on an idle machine, several times that
      // on a shared 2-core one. Time is never what a test asserts (benchmarks measure it).
      testTimeout: 20_000,
    },
  });
}
