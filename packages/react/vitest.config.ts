import { structllmProject } from '../../vitest.shared.ts';

export default structllmProject('react', { include: ['test/**/*.test.tsx', 'test/**/*.test.ts'] });
