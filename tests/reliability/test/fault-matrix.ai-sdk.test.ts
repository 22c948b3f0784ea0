import { defineFaultMatrix } from './support/fault-matrix-suite.ts';

defineFaultMatrix('ai-sdk-openai');
