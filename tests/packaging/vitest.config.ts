import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'packaging',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // npm installs from the registry: minutes, not seconds.
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
