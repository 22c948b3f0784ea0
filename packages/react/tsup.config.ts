import { structllmBuild } from '../../tsup.shared.ts';

export default structllmBuild({ external: ['react'] });
