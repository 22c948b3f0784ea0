/**
 * Scenario 2 — progress tracking: a progress callback that prints every
 * lifecycle event with its time and percentage, a text progress bar, and the
 * attempts the request made. Also ProgressTracker on its own, for your own
 * long-running work.
 *
 * Run: node --conditions=@structllm/source apps/demo/examples/progress-tracking.ts
 */
import { type ProgressEvent, ProgressTracker, StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod } from '@structllm/zod';
import { QuarterlyReport } from '../src/schemas.ts';
import { startSimulatedModel } from '../src/simulated/simulated-model.ts';

const model = await startSimulatedModel();
try {
  const service = new StructuredLLMService({
    providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
    defaultModel: 'openai/gpt-4o-mini',
  });

  const startedAt = Date.now();
  const bar = (percent: number) => {
    const filled = Math.round(percent / 5);
    return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${percent.toFixed(1).padStart(5)}%`;
  };
  const progressCallback = (event: ProgressEvent) => {
    const at = ((event.timestamp - startedAt) / 1000).toFixed(2);
    if (event.eventType === 'progress') console.log(`[${at}s] ${bar(event.progressPercent)}`);
    else console.log(`[${at}s] ${event.eventType}: ${event.message}`);
  };

  const report = await service.routeStructuredStreaming({
    prompt: 'Write the Q3 operations report for an online bookshop',
    responseModel: fromZod(QuarterlyReport, { name: 'quarterly_report' }),
    progressCallback,
    // At most one progress event per 10 points; lifecycle events always pass.
    progressFilter: { minPercentStep: 10 },
  }).result;

  console.log(`Report: "${report.title}" with ${report.sections.length} sections`);

  // ProgressTracker on its own: the same events for any operation.
  const tracker = new ProgressTracker((event) =>
    console.log(`tracker ${event.eventType}: ${event.message} (${event.progressPercent}%)`),
  );
  tracker.startOperation('Exporting the report');
  tracker.updateProgress('Rendered the sections', 50);
  tracker.completeOperation('Exported');
} finally {
  await model.close();
}
