/**
 * A worker in its own process, for the tests that kill one:
 *   node --conditions=@structllm/source worker-process.ts <port> <queue> <concurrency> <delayMs>
 * It answers every prompt with the echo model (one chunk every `delayMs`),
 * prints `ready` once connected and `done <jobId>` for each job it completes,
 * and closes on SIGTERM.
 */
import { StructuredLLMService } from '@structllm/core';
import { Redis } from 'ioredis';
import { createStructuredWorker } from '../../src/index.ts';
import { createEchoProvider } from './echo-provider.ts';

const [port, queueName, concurrency, delayMs] = process.argv.slice(2);
const connection = new Redis(Number(port), '127.0.0.1', { maxRetriesPerRequest: null });
const service = new StructuredLLMService({
  providers: [createEchoProvider({ delayMs: Number(delayMs) })],
  defaultModel: 'mock/echo',
  breaker: false,
});
const worker = createStructuredWorker(service, connection, {
  queueName: queueName ?? 'structllm',
  concurrency: Number(concurrency),
  // Short lock and stall check, so a killed worker's jobs move on within seconds.
  lockDuration: 2000,
  stalledInterval: 1000,
});
worker.worker.on('active', (job) => process.stdout.write(`active ${job.id}\n`));
worker.worker.on('completed', (job) => process.stdout.write(`done ${job.id}\n`));
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.close().then(() => {
    connection.disconnect();
    process.exit(0);
  });
});
