export { collectResponses, drain, textOf } from './collect-responses.ts';
export { outcomeOf, type RequestOutcome } from './outcome.ts';
export { createMockService, createTestService, type MockService } from './test-service.ts';
