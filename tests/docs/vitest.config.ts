import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@structllm/source'] },
  ssr: { resolve: { conditions: ['@structllm/source'] } },
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // One tsc over every block, then one Node process per runnable block.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
