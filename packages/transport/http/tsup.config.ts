import { structllmBuild } from '../../../tsup.shared.ts';

export default structllmBuild({ entry: ['src/index.ts', 'src/client.ts'] });
