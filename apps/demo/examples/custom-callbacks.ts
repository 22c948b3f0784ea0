/**
 * Scenario 5 — custom callbacks and filtering: a stateful collector, an async
 * callback (never awaited by the stream, so a slow sink cannot stall it), a
 * callback that throws (reported, never raised), and the three kinds of
 * progress filter: by event type, by percent step, and by predicate.
 *
 * Run: node --conditions=@structllm/source apps/demo/examples/custom-callbacks.ts
 */
import { type ProgressEvent, StructuredLLMService } from '@structllm/core';
import { createOpenAIProvider } from '@structllm/openai';
import { fromZod } from '@structllm/zod';
import { QuarterlyReport } from '../src/schemas.ts';
import { startSimulatedModel } from '../src/simulated/simulated-model.ts';

/** Counts events by type and remembers the highest percentage. */
class EventCollector {
  readonly counts = new Map<string, number>();
  highest = 0;
  readonly callback = (event: ProgressEvent): void => {
    this.counts.set(event.eventType, (this.counts.get(event.eventType) ?? 0) + 1);
    this.highest = Math.max(this.highest, event.progressPercent);
  };
  summary(): string {
    return [...this.counts].map(([type, count]) => `${type}=${count}`).join(' ');
  }
}

const model = await startSimulatedModel();
try {
  const service = new StructuredLLMService({
    providers: [createOpenAIProvider({ baseURL: model.baseURL, apiKey: 'demo' })],
    defaultModel: 'openai/gpt-4o-mini',
    // Where a failing callback is reported.
    logger: {
      debug() {},
      info() {},
      warn: (message: string) => console.log(`logger warn: ${message}`),
      error: (message: string) => console.log(`logger error: ${message}`),
    },
  });
  const request = {
    prompt: 'Write the Q3 operations report for an online bookshop',
    responseModel: fromZod(QuarterlyReport, { name: 'quarterly_report' }),
  };

  const all = new EventCollector();
  await service.routeStructured({ ...request, progressCallback: all.callback });
  console.log(`no filter: ${all.summary()} (highest ${all.highest}%)`);

  const lifecycle = new EventCollector();
  await service.routeStructured({
    ...request,
    progressCallback: lifecycle.callback,
    progressFilter: { eventTypes: ['start', 'complete'] },
  });
  console.log(`eventTypes start+complete: ${lifecycle.summary()}`);

  const steps: number[] = [];
  await service.routeStructured({
    ...request,
    progressCallback: (event) => {
      if (event.eventType === 'progress') steps.push(Math.round(event.progressPercent));
    },
    progressFilter: { minPercentStep: 25 },
  });
  console.log(`minPercentStep 25: ${steps.length} progress events`);

  const halfway: string[] = [];
  await service.routeStructured({
    ...request,
    progressCallback: (event) => {
      halfway.push(event.eventType);
    },
    progressFilter: (event) => event.eventType !== 'progress' || event.progressPercent >= 50,
  });
  console.log(`predicate: first event ${halfway[0]}, last ${halfway.at(-1)}`);

  // An async sink: the stream does not wait for it.
  const written: string[] = [];
  const asyncSink = async (event: ProgressEvent) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    written.push(event.eventType);
  };
  await service.routeStructured({ ...request, progressCallback: asyncSink });
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(
    `async sink wrote ${written.includes('complete') ? 'through complete' : 'partially'}`,
  );

  // A callback that throws: reported through the logger, and the request still succeeds.
  const report = await service.routeStructured({
    ...request,
    progressCallback: () => {
      throw new Error('dashboard offline');
    },
  });
  console.log(`despite a throwing callback: a report with ${report.sections.length} sections`);
} finally {
  await model.close();
}
