import { structllmBuild } from '../../tsup.shared.ts';

// Three entries: the root; `@structllm/core/strict` (OpenAI's strict-mode converter), which
// only applications sending strict schemas bundle; `@structllm/core/provider`, the helpers of
// provider plugins;
// `@structllm/core/rate-limit`, the in-memory rate limiter; `@structllm/core/progress-stats`, the
// in-memory store of what the progress estimator learned. Code they share goes to shared chunks.
// The build is syntax-minified (names and whitespace kept): constants are folded where
// they are used, dead branches go, and an application's bundler starts from less.
export default structllmBuild({
  entry: [
    'src/index.ts',
    'src/strict.ts',
    'src/provider-kit.ts',
    'src/rate-limit.ts',
    'src/progress-stats.ts',
  ],
  esbuildOptions(options) {
    options.minifySyntax = true;
  },
});
