/**
 * `pnpm stress`: 1,000 concurrent streams through the engine against a fake
 * OpenAI server that fails a share of requests, with the circuit breaker on and
 * a fallback model on a second fake server. Prints what happened to every
 * request, the latency the engine adds and the heap.
 *
 * Options: --requests=N --fail=0.2 --midstream=0.05 --outage=0.3,0.5|none
 *   --fallbackfail=0.02 --retries=2 --seed=N --json
 */
import { DEFAULT_LOAD, type LoadOptions, measureOverhead, runLoad } from './load.ts';

function parseArgs(argv: readonly string[]): { options: LoadOptions; json: boolean } {
  const args = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (match !== null) args.set(match[1] as string, match[2] ?? 'true');
  }
  const number = (name: string, fallback: number): number => {
    const value = args.get(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got ${value}`);
    return parsed;
  };
  const outageArg = args.get('outage');
  let outage = DEFAULT_LOAD.outage;
  if (outageArg === 'none') outage = undefined;
  else if (outageArg !== undefined) {
    const [start, end] = outageArg.split(',').map(Number);
    outage = [start ?? 0, end ?? 0];
  }
  const { outage: _default, ...rest } = DEFAULT_LOAD;
  return {
    options: {
      ...rest,
      ...(outage === undefined ? {} : { outage }),
      requests: number('requests', DEFAULT_LOAD.requests),
      failShare: number('fail', DEFAULT_LOAD.failShare),
      midStreamShare: number('midstream', DEFAULT_LOAD.midStreamShare),
      fallbackFailShare: number('fallbackfail', DEFAULT_LOAD.fallbackFailShare),
      maxRetries: number('retries', DEFAULT_LOAD.maxRetries),
      seed: number('seed', DEFAULT_LOAD.seed),
    },
    json: args.has('json'),
  };
}

const { options, json } = parseArgs(process.argv.slice(2));
const overhead = await measureOverhead(300);
const report = await runLoad(options);
if (json) {
  console.log(JSON.stringify({ options, overhead, report }, null, 2));
} else {
  const pct = (n: number): string => `${((n / report.requests) * 100).toFixed(1)} %`;
  console.log(`structllm stress: ${report.requests} concurrent streams (node ${process.version})`);
  console.log(
    `  primary fails: ${options.failShare * 100} % 503, ${options.midStreamShare * 100} % mid-stream errors` +
      (options.outage === undefined
        ? ''
        : `, outage over [${options.outage.join(', ')}] of its traffic`),
  );
  console.log(`  requests      ${report.requests}`);
  console.log(
    `  successes     ${report.successes} (${pct(report.successes)}), ${report.servedByFallback} by the fallback`,
  );
  for (const [category, count] of Object.entries(report.failures)) {
    console.log(`  failed        ${category}: ${count} (${pct(count)})`);
  }
  console.log(`  lost          ${report.lost}`);
  console.log(`  wrong values  ${report.wrongValues}`);
  console.log(
    `  attempts      ${report.attempts} (server saw ${report.serverRequests.primary} primary + ${report.serverRequests.fallback} fallback requests; ${report.breakerRefusals} refused by the open breaker)`,
  );
  console.log(
    '  breaker       ' +
      (Object.entries(report.breakerTransitions)
        .map(([k, v]) => `${k} ×${v}`)
        .join('; ') || 'no transitions'),
  );
  console.log(
    `  engine-added  alone (300 sequential requests): p50 ${overhead.p50} ms, p99 ${overhead.p99} ms, max ${overhead.max} ms`,
  );
  console.log(
    `  engine-added  under load: p50 ${report.engineMs.p50} ms, p99 ${report.engineMs.p99} ms, max ${report.engineMs.max} ms per request`,
  );
  console.log(
    `  total         p50 ${report.totalMs.p50} ms, p99 ${report.totalMs.p99} ms, max ${report.totalMs.max} ms per request; run ${report.wallMs} ms`,
  );
  console.log(
    `  heap          baseline ${report.heap.baselineMB} MB, peak ${report.heap.peakMB} MB, after gc ${report.heap.afterGcMB} MB`,
  );
  console.log(`  open handles  ${JSON.stringify(report.leakedHandles)}`);
}
if (report.lost > 0 || report.wrongValues > 0 || Object.keys(report.leakedHandles).length > 0) {
  process.exitCode = 1;
}
