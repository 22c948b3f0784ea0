import { structllmBuild } from '../../tsup.shared.ts';

// Two entries: the root, and `@structllm/core/strict` (OpenAI's strict-mode converter),
// which only applications sending strict schemas bundle. Code both use goes to a shared chunk.
export default structllmBuild({ entry: ['src/index.ts', 'src/strict.ts'] });
