import { structllmBuild } from '../../tsup.shared.ts';

export default structllmBuild({
  entry: {
    index: 'src/index.ts',
    'conformance/index': 'src/conformance/index.ts',
    'redis/index': 'src/redis/index.ts',
  },
  // The conformance suite registers tests with the user's own vitest.
  external: ['vitest'],
});
