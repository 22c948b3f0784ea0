import { structllmProject } from '../../../vitest.shared.ts';

export default structllmProject('bullmq');
